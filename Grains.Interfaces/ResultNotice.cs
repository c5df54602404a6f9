namespace Grains.Interfaces;

/// <summary>
/// One thing a <see cref="IChatResultBatchObserver"/> hears about a message: a new snapshot (<see cref="Result"/>) or a
/// piece of the running reply (<see cref="Delta"/>), never both. <see cref="FromSeq"/> is the first seq a piece covers:
/// the silo merges a message's consecutive pieces into one when an observer falls behind, and the merged piece carries
/// the last seq of those it joins.
/// </summary>
[GenerateSerializer, Immutable, Alias("ResultNotice")]
public sealed record ResultNotice(
    [property: Id(0)] ChatResult? Result,
    [property: Id(1)] ReplyDelta? Delta,
    [property: Id(2)] long FromSeq)
{
    /// <summary>The message the notice is about.</summary>
    public string Id => Result?.Id ?? Delta!.Id;

    public static ResultNotice Of(ChatResult result) => new(result, null, 0);

    public static ResultNotice Of(ReplyDelta delta) => new(null, delta, delta.Seq);
}
