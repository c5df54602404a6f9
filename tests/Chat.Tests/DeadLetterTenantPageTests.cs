using Grains.DeadLetters;

namespace Chat.Tests;

/// <summary>One tenant's dead letters without a cluster: its own only, paged and counted as if no other tenant had any.</summary>
public sealed class DeadLetterTenantPageTests
{
    [Fact]
    public void A_tenant_s_pages_skip_and_count_only_its_own_ids_newest_first()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 100);
        string[] added = ["alice:a1", "al:x1", "bob:b1", "alice:a2", "alice:a3", "bob:b2", "plain", "alice:a4", "al:x2", "alice:a5"];
        foreach (var id in added)
        {
            index.Add(id, DateTimeOffset.UnixEpoch, new DeadLetterChanges());
        }

        var all = index.PageOf("alice", 0, 100);
        Assert.Equal(["alice:a5", "alice:a4", "alice:a3", "alice:a2", "alice:a1"], all.Ids);
        Assert.Equal(5, all.Total);

        var second = index.PageOf("alice", 2, 2);
        Assert.Equal(["alice:a3", "alice:a2"], second.Ids);
        Assert.Equal(5, second.Total);

        Assert.Empty(index.PageOf("alice", 5, 2).Ids);
        Assert.Equal(["al:x2", "al:x1"], index.PageOf("al", 0, 10).Ids);
        Assert.Equal((0, 0), (index.PageOf("carol", 0, 10).Ids.Count, index.PageOf("carol", 0, 10).Total));
    }
}
