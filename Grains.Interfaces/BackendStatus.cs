namespace Grains.Interfaces;

/// <summary>
/// One backend across the cluster: what it is (never its key), what waits for it and runs on it now, and totals since
/// the silos started: messages completed and failed there, answers that turned an attempt away (429s), tokens reported.
/// <see cref="IsDefault"/> marks the backend a message that names none goes to (Chat:DefaultBackend, a silo setting the
/// frontend does not read); a silo of an earlier version leaves it false.
/// </summary>
[GenerateSerializer, Immutable, Alias("BackendStatus")]
public sealed record BackendStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Kind,
    [property: Id(2)] string? Model,
    [property: Id(3)] int MaxConcurrency,
    [property: Id(4)] int InFlight,
    [property: Id(5)] int Queued,
    [property: Id(6)] long Completed,
    [property: Id(7)] long Failed,
    [property: Id(8)] long RateLimited,
    [property: Id(9)] long InputTokens,
    [property: Id(10)] long OutputTokens,
    [property: Id(11)] bool IsDefault = false);
