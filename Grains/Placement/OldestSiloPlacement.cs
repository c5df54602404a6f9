using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grains.Placement;

/// <summary>
/// Places a cluster-wide singleton (one key per cluster) on the oldest active silo. Every silo agrees on which that
/// is, a silo joining never moves it, and it moves only when that silo leaves. With random placement, a load grain
/// on a silo that dies starts again elsewhere knowing nothing of the dead silo, and the picture depends on luck.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("OldestSiloPlacement")]
public sealed class OldestSiloPlacement : PlacementStrategy
{
    public static OldestSiloPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OldestSiloPlacementAttribute() : PlacementAttribute(OldestSiloPlacement.Instance);

internal sealed class OldestSiloPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    // SiloAddress orders by generation first: the oldest silo comes first.
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(LiveSilos.Of(context, target, membership).Min()!);
}
