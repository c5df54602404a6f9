using Orleans.Placement;
using Orleans.Runtime;

namespace Grains.Placement;

/// <summary>
/// Places the worker of partition p on the (p mod n)-th active silo, so n silos hold an equal number of
/// partitions. Orleans' default placement gave trials like 4/0/4 workers on three silos.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("PartitionPlacement")]
public sealed class PartitionPlacement : PlacementStrategy
{
    public static PartitionPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);
