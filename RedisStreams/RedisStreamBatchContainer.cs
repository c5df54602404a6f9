using Orleans.Runtime;
using Orleans.Streams;

namespace RedisStreams;

/// <summary>
/// One Redis Streams entry: the events one producer call published to one stream. Stored without a token;
/// the receiver that reads it assigns one.
/// </summary>
[GenerateSerializer, Alias("RedisStreamBatchContainer")]
public sealed class RedisStreamBatchContainer : IBatchContainer
{
    public RedisStreamBatchContainer(StreamId streamId, List<object> events, Dictionary<string, object>? requestContext)
    {
        StreamId = streamId;
        Events = events;
        RequestContext = requestContext;
    }

    [Id(0)]
    public StreamId StreamId { get; private set; }

    [Id(1)]
    public List<object> Events { get; private set; }

    [Id(2)]
    public Dictionary<string, object>? RequestContext { get; private set; }

    [Id(3)]
    public RedisStreamSequenceToken? Token { get; private set; }

    public StreamSequenceToken SequenceToken =>
        Token ?? throw new InvalidOperationException("The batch has not been read from a queue yet.");

    internal RedisStreamBatchContainer WithToken(RedisStreamSequenceToken token)
    {
        Token = token;
        return this;
    }

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>()
    {
        var token = (RedisStreamSequenceToken)SequenceToken;
        return Events
            .Select((item, index) => (item, index))
            .Where(pair => pair.item is T)
            .Select(pair => Tuple.Create((T)pair.item, (StreamSequenceToken)token.ForEvent(pair.index)));
    }

    public bool ImportRequestContext()
    {
        if (RequestContext is null)
        {
            return false;
        }

        RequestContextExtensions.Import(RequestContext);
        return true;
    }
}
