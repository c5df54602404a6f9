using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grains.Placement;

/// <summary>
/// The silos a placement may choose from, by the same view of the cluster the grains check their home against. The
/// placement context's compatible silos come from the cluster manifest, which can list a killed silo for the best
/// part of a minute after membership has declared it dead: a worker placed by that list lands away from its home,
/// sees so at its next check, hands its messages back and moves, and is placed on the wrong silo again, over and over.
/// </summary>
internal static class LiveSilos
{
    public static SiloAddress[] Of(IPlacementContext context, PlacementTarget target, IClusterMembershipService membership)
    {
        var compatible = context.GetCompatibleSilos(target);
        var snapshot = membership.CurrentSnapshot;
        var active = compatible.Where(silo => snapshot.GetSiloStatus(silo) == SiloStatus.Active).ToArray();
        // A silo this one has not heard of yet is not known to be dead: the manifest is all there is to go on.
        return active.Length > 0 ? active : compatible.ToArray();
    }
}
