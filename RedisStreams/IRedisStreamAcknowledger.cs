using Orleans.Runtime;
using Orleans.Streams;

namespace RedisStreams;

/// <summary>
/// Acknowledges an entry once its consumer is done with it, when the provider does not acknowledge on delivery.
/// Any silo may acknowledge any entry; until then it is claimed and delivered again after the visibility timeout.
/// Registered as a keyed service under the stream provider's name.
/// </summary>
public interface IRedisStreamAcknowledger
{
    /// <param name="streamId">The stream the event was delivered on.</param>
    /// <param name="token">The token delivered with the event; tokens of other providers are ignored.</param>
    Task AcknowledgeAsync(StreamId streamId, StreamSequenceToken? token);
}
