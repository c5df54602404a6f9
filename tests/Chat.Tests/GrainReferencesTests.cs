using Chat.Tests.Infrastructure;
using Grains.Interfaces;
using Orleans.Runtime;

namespace Chat.Tests;

/// <summary>
/// The references the hot paths make without Orleans' per-call type lookup address the same grains, through the same
/// interface, as Orleans' own, on the first call (which resolves the type) and on every later one.
/// </summary>
[Collection(ScriptedClusterCollection.Name)]
public sealed class GrainReferencesTests(ScriptedClusterFixture fixture)
{
    [Fact]
    public async Task Result_and_dispatcher_references_equal_the_ones_orleans_makes_and_reach_the_same_grain()
    {
        var grains = fixture.Cluster.Client;
        foreach (var id in new[] { "refs-1", "refs-2", "tenant/refs-3" })
        {
            var own = grains.GetResultGrain(id);
            var orleans = grains.GetGrain<IChatResultGrain>(id);
            Assert.Equal(orleans.GetGrainId(), own.GetGrainId());
            Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)own).InterfaceType);
            Assert.Equal(id, own.GetPrimaryKeyString());
        }

        foreach (var key in new long[] { 0, 7, 63 })
        {
            var own = grains.GetDispatcherGrain(key);
            var orleans = grains.GetGrain<IChatDispatcherGrain>(key);
            Assert.Equal(orleans.GetGrainId(), own.GetGrainId());
            Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)own).InterfaceType);
        }

        Assert.Throws<ArgumentException>(() => grains.GetResultGrain(" "));

        // A message submitted through one is read back through the other.
        var outcome = await grains.GetDispatcherGrain(5).Submit(new ChatSubmission("refs-call", "hello refs"));
        Assert.Equal(SubmitStatus.Accepted, outcome.Status);
        var read = await grains.GetGrain<IChatResultGrain>("refs-call").Get();
        Assert.Equal("hello refs", read?.Message);
    }
}
