using Orleans.Runtime;

namespace Grains.Placement;

/// <summary>The one rule deciding which silo owns a partition; used by placement and by workers checking they are home.</summary>
public static class PartitionAssignment
{
    public static SiloAddress? SiloFor(int partition, IEnumerable<SiloAddress> silos)
    {
        // Every silo sorts the same set the same way, so they all agree without talking to each other.
        var ordered = silos.Distinct().Order().ToArray();
        return ordered.Length == 0 ? null : ordered[partition % ordered.Length];
    }
}
