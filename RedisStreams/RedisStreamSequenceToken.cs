using System.Globalization;
using Orleans.Streams;

namespace RedisStreams;

/// <summary>
/// Position of an event in the order its queue delivered it, counted in Redis across every reader the queue has
/// had, not the Redis entry id: a claimed entry is older in Redis than entries already delivered, but the queue
/// cache needs tokens that grow with every delivery. The entry id travels along so a consumer can acknowledge it.
/// </summary>
[GenerateSerializer, Alias("RedisStreamSequenceToken")]
public sealed class RedisStreamSequenceToken : StreamSequenceToken
{
    public RedisStreamSequenceToken(long sequenceNumber, int eventIndex, string entryId)
    {
        SequenceNumber = sequenceNumber;
        EventIndex = eventIndex;
        EntryId = entryId;
    }

    [Id(0)]
    public override long SequenceNumber { get; protected set; }

    [Id(1)]
    public override int EventIndex { get; protected set; }

    /// <summary>The Redis Streams entry id, e.g. <c>1732406400000-0</c>.</summary>
    [Id(2)]
    public string EntryId { get; private set; }

    public RedisStreamSequenceToken ForEvent(int eventIndex) => new(SequenceNumber, eventIndex, EntryId);

    public override bool Equals(StreamSequenceToken? other) =>
        other is RedisStreamSequenceToken token && token.SequenceNumber == SequenceNumber && token.EventIndex == EventIndex;

    public override bool Equals(object? obj) => Equals(obj as StreamSequenceToken);

    public override int GetHashCode() => HashCode.Combine(SequenceNumber, EventIndex);

    public override int CompareTo(StreamSequenceToken? other)
    {
        if (other is null)
        {
            return 1;
        }

        if (other is not RedisStreamSequenceToken token)
        {
            throw new ArgumentOutOfRangeException(nameof(other), "Only tokens of the same Redis stream provider compare.");
        }

        var bySequence = SequenceNumber.CompareTo(token.SequenceNumber);
        return bySequence != 0 ? bySequence : EventIndex.CompareTo(token.EventIndex);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"[Redis entry {EntryId}, delivery {SequenceNumber}, event {EventIndex}]");
}
