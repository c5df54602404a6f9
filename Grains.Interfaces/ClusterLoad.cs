namespace Grains.Interfaces;

/// <summary>The cluster-wide picture assembled from every silo's latest report.</summary>
[GenerateSerializer, Immutable, Alias("ClusterLoad")]
public sealed record ClusterLoad(
    [property: Id(0)] long Backlog,
    [property: Id(1)] double CompletedPerSecond,
    [property: Id(2)] IReadOnlyList<SiloLoad> Silos);

/// <summary>One silo's latest report plus its recent completion rate.</summary>
[GenerateSerializer, Immutable, Alias("SiloLoad")]
public sealed record SiloLoad(
    [property: Id(0)] SiloLoadReport Report,
    [property: Id(1)] double CompletedPerSecond,
    [property: Id(2)] DateTimeOffset LastReportAt);
