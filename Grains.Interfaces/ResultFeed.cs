namespace Grains.Interfaces;

/// <summary>
/// What a watcher resuming after a delta gets: the current snapshot, and the running (or, once completed, the final)
/// attempt's deltas after the one it names, in order; all of that attempt's deltas when the named one is older.
/// </summary>
[GenerateSerializer, Immutable, Alias("ResultFeed")]
public sealed record ResultFeed(
    [property: Id(0)] ChatResult Result,
    [property: Id(1)] ReplyDelta[] Deltas);
