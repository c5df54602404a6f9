namespace Grains.Interfaces;

/// <summary>
/// The ids of messages that failed for good, newest first, so operators can list and retry them.
/// One per cluster (key 0), persisted in the results store.
/// </summary>
[Alias("IDeadLetterGrain")]
public interface IDeadLetterGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    ValueTask Add(string id, DateTimeOffset failedAt);

    [Alias("Remove")]
    ValueTask Remove(string id);

    /// <summary>A page of ids, newest failure first, and the total count.</summary>
    [Alias("List")]
    ValueTask<DeadLetterPage> List(int skip, int take);
}

[GenerateSerializer, Immutable, Alias("DeadLetterPage")]
public sealed record DeadLetterPage(
    [property: Id(0)] IReadOnlyList<string> Ids,
    [property: Id(1)] int Total);
