using Grains.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Streams;
using RedisStreams;

namespace Silo;

/// <summary>Durable mode's acknowledgements: the Redis Streams provider's, under the work stream's provider name.</summary>
internal sealed class RedisWorkStreamAcknowledger([FromKeyedServices(ChatStreams.Provider)] IRedisStreamAcknowledger redis)
    : IWorkStreamAcknowledger
{
    public Task AcknowledgeAsync(StreamId stream, StreamSequenceToken? token) => redis.AcknowledgeAsync(stream, token);

    public string? EntryOf(StreamSequenceToken? token) => (token as RedisStreamSequenceToken)?.EntryId;
}
