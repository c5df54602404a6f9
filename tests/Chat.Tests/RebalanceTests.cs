using Chat.Tests.Infrastructure;

namespace Chat.Tests;

public sealed class TwoSiloFixture : ChatClusterFixture
{
    protected override short Silos => 2;
}

public sealed class RebalanceTests(TwoSiloFixture fixture) : IClassFixture<TwoSiloFixture>
{
    [Fact]
    public async Task Share_stays_fair_when_a_silo_joins_and_when_it_leaves()
    {
        var joined = await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        var joinedName = joined.SiloAddress.Endpoint.ToString();

        // Workers move within a rebalance check or two; wait until the new silo takes work.
        await Eventually.Returns(
            async () => (await Burst("warmup", 30)).ShareBySilo(),
            shares => shares.ContainsKey(joinedName) && shares.Count == 3 && shares.Values.All(share => share >= 0.2),
            "the joined silo to take a share of the work");

        var withThree = (await Burst("three", 300)).ShareBySilo();
        Assert.Equal(3, withThree.Count);
        Assert.All(withThree, share => Assert.InRange(share.Value, 0.25, 0.42));

        // In-memory storage held by the leaving silo goes with it, so only new work is checked here.
        // Workers whose home moved to the other survivor follow at their next placement check.
        await fixture.Cluster.StopSiloAsync(joined);
        var withTwo = await Eventually.Returns(
            async () => (await Burst("two", 200)).ShareBySilo(),
            shares => shares.Count == 2 && shares.Values.All(share => share is >= 0.4 and <= 0.6),
            "the two silos left to share the work evenly");
        Assert.DoesNotContain(joinedName, withTwo.Keys);
    }

    private async Task<IReadOnlyList<System.Text.Json.JsonElement>> Burst(string prefix, int count)
    {
        var ids = ChatApiBatchExtensions.NewIds(prefix, count);
        await fixture.Api.SubmitAll(ids);
        return await fixture.Api.WaitForAllCompleted(ids);
    }
}
