namespace Grains.Interfaces;

/// <summary>
/// One backend's work on one silo: what waits and runs now, and counters since the silo started (completed and failed
/// messages, answers that turned an attempt away for now, tokens reported).
/// </summary>
[GenerateSerializer, Immutable, Alias("BackendLoad")]
public sealed record BackendLoad(
    [property: Id(0)] string Backend,
    [property: Id(1)] int Pending,
    [property: Id(2)] int InFlight,
    [property: Id(3)] long Completed,
    [property: Id(4)] long Failed,
    [property: Id(5)] long RateLimited,
    [property: Id(6)] long InputTokens,
    [property: Id(7)] long OutputTokens);
