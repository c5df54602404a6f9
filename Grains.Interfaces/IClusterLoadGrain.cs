namespace Grains.Interfaces;

/// <summary>
/// Aggregates the silos' work counters. Soft state: silos report every few hundred milliseconds,
/// so a fresh activation rebuilds the picture within one report interval.
/// </summary>
[Alias("IClusterLoadGrain")]
public interface IClusterLoadGrain : IGrainWithIntegerKey
{
    [Alias("Report")]
    ValueTask<ClusterLoad> Report(SiloLoadReport report);

    [Alias("GetLoad")]
    ValueTask<ClusterLoad> GetLoad();

    /// <summary>Every configured backend with its work across the cluster: waiting and running on live silos, totals on all.</summary>
    [Alias("GetBackends")]
    ValueTask<IReadOnlyList<BackendStatus>> GetBackends();
}
