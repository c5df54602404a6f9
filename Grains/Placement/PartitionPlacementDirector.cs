using Grains.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Grains.Placement;

internal sealed class PartitionPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = LiveSilos.Of(context, target, membership);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
        {
            return Task.FromResult(hint);
        }

        var chosen = ChatStreams.TryParsePartition(target.GrainIdentity.Key.ToString()!, out _, out var partition)
            ? PartitionAssignment.SiloFor(partition, silos)
            : null;
        return Task.FromResult(chosen ?? silos[Random.Shared.Next(silos.Length)]);
    }
}
