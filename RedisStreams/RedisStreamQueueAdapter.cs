using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;
using StackExchange.Redis;

namespace RedisStreams;

/// <summary>Publishes each producer call as one Redis Streams entry on its stream's queue, and makes receivers.</summary>
internal sealed class RedisStreamQueueAdapter(
    string name,
    ConnectionMultiplexer connection,
    IStreamQueueMapper queues,
    Func<QueueId, RedisKey> keyOf,
    Serializer<RedisStreamBatchContainer> serializer,
    Func<QueueId, IQueueAdapterReceiver> createReceiver) : IQueueAdapter
{
    public const string PayloadField = "b";

    public string Name => name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

    public async Task QueueMessageBatchAsync<T>(
        StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null)
        {
            throw new ArgumentException("Redis streams are not rewindable; publish without a sequence token.", nameof(token));
        }

        var batch = new RedisStreamBatchContainer(streamId, events.Cast<object>().ToList(), requestContext);
        var key = keyOf(queues.GetQueueForStream(streamId));
        // Returns once Redis has the entry: from here on it survives the death of any silo. The wake-up after it
        // is not awaited: if it is lost, the receiver still reads within its idle interval.
        var database = connection.GetDatabase();
        await database.StreamAddAsync(key, PayloadField, serializer.SerializeToArray(batch));
        await database.PublishAsync(RedisStreamReceiver.WakeChannel(key), RedisValue.EmptyString, CommandFlags.FireAndForget);
    }

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => createReceiver(queueId);
}
