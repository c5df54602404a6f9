namespace Grains.Interfaces;

/// <summary>One silo's cumulative work counters since it started.</summary>
[GenerateSerializer, Immutable, Alias("SiloLoadReport")]
public sealed record SiloLoadReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] long Accepted,
    [property: Id(3)] long Started,
    [property: Id(4)] long Completed,
    [property: Id(5)] long Failed,
    [property: Id(6)] int InFlight,
    [property: Id(7)] int Pending);
