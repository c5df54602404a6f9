using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grains.Placement;

/// <summary>
/// The silos a placement may choose from: those membership lists as active, the same view the grains check their
/// home against. Not the placement context's compatible silos, which come from the cluster manifest and lag behind
/// membership both ways: for the best part of a minute after a silo dies it is still listed, and after a silo's death
/// another live one can be missing from it for a while. Either way a worker placed by that list lands away from its
/// home, sees so at its next check, hands its messages back and moves, and is placed on the wrong silo again, over and
/// over. Every silo of this cluster runs the same grains, so an active silo can host any of them.
/// </summary>
internal static class LiveSilos
{
    public static SiloAddress[] Of(IPlacementContext context, PlacementTarget target, IClusterMembershipService membership)
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress)
            .ToArray();
        // A silo whose membership view is still empty, as for a moment while it starts: the manifest is all there is.
        return active.Length > 0 ? active : context.GetCompatibleSilos(target);
    }
}
