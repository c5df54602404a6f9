using System.Collections.Immutable;
using System.Net;
using Grains.Placement;
using Grains.Streams;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Chat.Tests.Placement;

/// <summary>
/// Placement without a cluster: placement chooses among the silos membership lists as active, as a worker's home check
/// does, whatever the placement context lists, so a worker lands where its home check says it belongs.
/// </summary>
public sealed class PlacementDirectorTests
{
    private static readonly SiloAddress[] Silos = [Silo(11111, 1), Silo(11112, 2), Silo(11113, 3)];

    [Fact]
    public async Task A_partition_s_worker_is_placed_on_its_home_among_the_live_silos_not_among_the_listed_ones()
    {
        var dead = Silos[1];
        var director = new PartitionPlacementDirector(new Membership(Silos, dead));
        var live = Silos.Where(silo => !silo.Equals(dead)).ToArray();

        for (var partition = 0; partition < 6; partition++)
        {
            var placed = await director.OnAddActivation(PartitionPlacement.Instance, Target(ChatStreams.PartitionKey("echo", partition)), new Context(Silos));
            Assert.Equal(PartitionAssignment.SiloFor(partition, live), placed);
        }
    }

    [Fact]
    public async Task A_live_silo_the_placement_context_does_not_list_yet_is_still_a_partition_s_home()
    {
        // After a silo's death the manifest can miss a survivor for a while; membership knows all three are active.
        var director = new PartitionPlacementDirector(new Membership(Silos, null));
        var listed = new Context([Silos[0], Silos[2]]);

        for (var partition = 0; partition < 6; partition++)
        {
            var placed = await director.OnAddActivation(PartitionPlacement.Instance, Target(ChatStreams.PartitionKey("echo", partition)), listed);
            Assert.Equal(PartitionAssignment.SiloFor(partition, Silos), placed);
        }
    }

    [Fact]
    public async Task A_singleton_goes_to_the_oldest_live_silo_when_the_oldest_listed_one_is_dead()
    {
        var director = new OldestSiloPlacementDirector(new Membership(Silos, Silos[0]));

        Assert.Equal(Silos[1], await director.OnAddActivation(OldestSiloPlacement.Instance, Target("load"), new Context(Silos)));
    }

    [Fact]
    public async Task A_silo_membership_has_not_heard_of_yet_is_placed_on_by_the_listed_silos()
    {
        // This silo's membership view knows none of them yet, as for a moment while it starts.
        var director = new PartitionPlacementDirector(new Membership([], null));

        Assert.Equal(Silos[2], await director.OnAddActivation(PartitionPlacement.Instance, Target(ChatStreams.PartitionKey("echo", 2)), new Context(Silos)));
    }

    private static SiloAddress Silo(int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation);

    private static PlacementTarget Target(string key) =>
        new(GrainId.Create("test", key), [], GrainInterfaceType.Create("test"), 0);

    private sealed class Context(SiloAddress[] silos) : IPlacementContext
    {
        public SiloAddress LocalSilo => silos[0];

        public SiloStatus LocalSiloStatus => SiloStatus.Active;

        public SiloAddress[] GetCompatibleSilos(PlacementTarget target) => silos;

        public IReadOnlyDictionary<ushort, SiloAddress[]> GetCompatibleSilosWithVersions(PlacementTarget target) =>
            new Dictionary<ushort, SiloAddress[]> { [0] = silos };
    }

    private sealed class Membership(SiloAddress[] known, SiloAddress? dead) : IClusterMembershipService
    {
        public ClusterMembershipSnapshot CurrentSnapshot { get; } = new(
            known.ToImmutableDictionary(silo => silo, silo => new ClusterMember(silo, silo.Equals(dead) ? SiloStatus.Dead : SiloStatus.Active, silo.ToString())),
            new MembershipVersion(1));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();
    }
}
