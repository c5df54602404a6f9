namespace Grains.Interfaces;

/// <summary>
/// One silo's cumulative work counters since it started, and what it holds now: <see cref="InFlight"/> running,
/// <see cref="Pending"/> received and waiting to start. <see cref="Address"/> is its parsable silo address, so the
/// cluster can tell when it has died. <see cref="Backends"/> breaks the work down by backend.
/// </summary>
[GenerateSerializer, Immutable, Alias("SiloLoadReport")]
public sealed record SiloLoadReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] long Accepted,
    [property: Id(3)] long Started,
    [property: Id(4)] long Completed,
    [property: Id(5)] long Failed,
    [property: Id(6)] int InFlight,
    [property: Id(7)] int Pending,
    [property: Id(8)] string? Address = null,
    [property: Id(9)] IReadOnlyList<BackendLoad>? Backends = null);
