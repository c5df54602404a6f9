using Grains.Interfaces;
using Grains.Options;
using Grains.Work;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Chat.Tests;

/// <summary>The order in which one lane starts its tenants' messages, and the weights that shape it.</summary>
public sealed class FairQueueTests
{
    private static FairQueue<string> Queue(params (string Tenant, int Weight)[] weights) =>
        new(TenantKeys.TenantOf, tenant => weights.FirstOrDefault(entry => entry.Tenant == tenant).Weight is var weight and > 0 ? weight : 1);

    private static void Add(FairQueue<string> queue, string tenant, int count, int from = 1)
    {
        for (var i = from; i < from + count; i++)
        {
            queue.Enqueue(TenantKeys.Compose(tenant, $"{i}"));
        }
    }

    private static List<string> Take(FairQueue<string> queue, int count)
    {
        var taken = new List<string>();
        for (var i = 0; i < count; i++)
        {
            Assert.True(queue.TryPeek(out var peeked));
            Assert.True(queue.TryDequeue(out var item));
            Assert.Equal(peeked, item);
            taken.Add(item);
        }

        return taken;
    }

    [Fact]
    public void One_tenant_is_first_in_first_out_and_an_empty_queue_gives_nothing()
    {
        var queue = Queue();
        Assert.False(queue.TryPeek(out _));
        Assert.False(queue.TryDequeue(out _));
        Add(queue, "a", 4);
        Assert.Equal(["a:1", "a:2", "a:3", "a:4"], Take(queue, 4));
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryPeek(out _));
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void Tenants_of_equal_weight_take_turns_each_in_its_own_order()
    {
        var queue = Queue();
        Add(queue, "a", 5);
        Add(queue, "b", 2);
        queue.Enqueue("plain");
        Assert.Equal(8, queue.Count);
        Assert.Equal(3, queue.Tenants);
        Assert.Equal(["a:1", "b:1", "plain", "a:2", "b:2", "a:3", "a:4", "a:5"], Take(queue, 8));
        Assert.Equal(0, queue.Tenants);
    }

    [Fact]
    public void A_tenant_that_arrives_behind_a_backlog_is_served_next_not_after_it()
    {
        var queue = Queue();
        Add(queue, "a", 5000);
        Take(queue, 10);
        Add(queue, "b", 3);
        Assert.Equal(["b:1", "a:11", "b:2", "a:12", "b:3", "a:13", "a:14"], Take(queue, 7));
    }

    [Fact]
    public void Weights_give_each_tenant_that_many_in_a_row_per_round()
    {
        var queue = Queue(("a", 3), ("b", 1), ("c", 2));
        Add(queue, "a", 7);
        Add(queue, "b", 3);
        Add(queue, "c", 3);
        Assert.Equal(
            ["a:1", "a:2", "a:3", "b:1", "c:1", "c:2", "a:4", "a:5", "a:6", "b:2", "c:3", "a:7", "b:3"],
            Take(queue, 13));
    }

    [Fact]
    public void A_tenant_arriving_during_a_heavy_turn_waits_only_for_the_rest_of_that_turn()
    {
        var queue = Queue(("a", 3));
        Add(queue, "a", 100);
        Assert.Equal(["a:1"], Take(queue, 1));
        Add(queue, "b", 2);
        Assert.Equal(["a:2", "a:3", "b:1", "a:4", "a:5", "a:6", "b:2", "a:7"], Take(queue, 8));
    }

    [Fact]
    public void An_idle_tenant_comes_back_with_one_turn_and_no_saved_up_credit()
    {
        var queue = Queue(("b", 2));
        Add(queue, "a", 100);
        Add(queue, "b", 1);
        Assert.Equal(["a:1", "b:1"], Take(queue, 2));

        // b idles for 50 of a's messages; when it comes back it gets its weight per round, as if it had never left.
        Assert.All(Take(queue, 50), item => Assert.Equal("a", TenantKeys.TenantOf(item)));
        Add(queue, "b", 6, from: 2);
        Assert.Equal(["b:2", "b:3", "a:52", "b:4", "b:5", "a:53", "b:6", "b:7", "a:54"], Take(queue, 9));
    }

    [Fact]
    public void A_lone_tenant_whose_queue_empties_and_refills_starts_a_fresh_turn()
    {
        var queue = Queue(("a", 3));
        Add(queue, "a", 1);
        Assert.Equal(["a:1"], Take(queue, 1));
        Add(queue, "b", 2);
        Add(queue, "a", 4, from: 2);
        Assert.Equal(["b:1", "a:2", "a:3", "a:4", "b:2", "a:5"], Take(queue, 6));
    }

    [Fact]
    public void Taking_everything_empties_it_and_forgets_whose_turn_it_was()
    {
        var queue = Queue(("a", 3));
        Add(queue, "a", 3);
        Add(queue, "b", 2);
        Take(queue, 1);
        Assert.Equal(["a:2", "a:3", "b:1", "b:2"], queue.DequeueAll().Order());
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryPeek(out _));
        Add(queue, "b", 1, from: 3);
        Add(queue, "a", 1, from: 4);
        Assert.Equal(["b:3", "a:4"], Take(queue, 2));
    }

    [Fact]
    public void Under_any_mix_of_arrivals_each_tenant_keeps_its_order_and_waits_at_most_one_round()
    {
        var weights = new[] { ("a", 1), ("b", 2), ("c", 3), ("d", 1), ("", 1) };
        var roundSize = weights.Sum(entry => entry.Item2);
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var queue = Queue(weights);
            var next = weights.ToDictionary(entry => entry.Item1, _ => 0);
            var served = weights.ToDictionary(entry => entry.Item1, _ => 0);
            var othersSinceServed = weights.ToDictionary(entry => entry.Item1, _ => 0);
            var held = 0;
            for (var step = 0; step < 500; step++)
            {
                if (random.Next(3) > 0 || held == 0)
                {
                    var tenant = weights[random.Next(weights.Length)].Item1;
                    queue.Enqueue(TenantKeys.Compose(tenant, $"{next[tenant]++}"));
                    held++;
                    Assert.Equal(held, queue.Count);
                    continue;
                }

                Assert.True(queue.TryPeek(out var peeked));
                Assert.True(queue.TryDequeue(out var item));
                Assert.Equal(peeked, item);
                held--;
                var owner = TenantKeys.TenantOf(item);
                Assert.Equal($"{served[owner]++}", TenantKeys.IdOf(item));
                othersSinceServed[owner] = 0;
                foreach (var (tenant, _) in weights.Where(entry => entry.Item1 != owner && served[entry.Item1] < next[entry.Item1]))
                {
                    // A tenant holding items sees at most one round of the others' before its own next one.
                    Assert.True(++othersSinceServed[tenant] <= roundSize, $"seed {seed}: '{tenant}' waited more than a round");
                }

                foreach (var (tenant, _) in weights.Where(entry => served[entry.Item1] == next[entry.Item1]))
                {
                    othersSinceServed[tenant] = 0;
                }
            }
        }
    }

    [Fact]
    public void Weights_are_read_per_tenant_case_insensitively_and_default_to_one()
    {
        var weights = TenantWeights.Load(Configuration(("Auth:Weights:Acme", "3"), ("Auth:Weights:small", "1000")));
        Assert.Equal((3, 3, 1000, 1, 1), (weights.Of("acme"), weights.Of("ACME"), weights.Of("small"), weights.Of("other"), weights.Of("")));
    }

    [Fact]
    public void A_weight_that_is_not_a_whole_number_from_1_to_1000_stops_start_up_naming_its_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => TenantWeights.Load(Configuration(
            ("Auth:Weights:zero", "0"), ("Auth:Weights:big", "1001"), ("Auth:Weights:half", "1.5"), ("Auth:Weights:neg", "-2"), ("Auth:Weights:ok", "7"))));
        Assert.Equal(
            [
                "Auth:Weights:big: '1001' is not a whole number from 1 to 1000: the tenant's share of turns at each backend, 1 when not set.",
                "Auth:Weights:half: '1.5' is not a whole number from 1 to 1000: the tenant's share of turns at each backend, 1 when not set.",
                "Auth:Weights:neg: '-2' is not a whole number from 1 to 1000: the tenant's share of turns at each backend, 1 when not set.",
                "Auth:Weights:zero: '0' is not a whole number from 1 to 1000: the tenant's share of turns at each backend, 1 when not set.",
            ],
            error.Failures.Order());
    }

    [Fact]
    public async Task A_lane_queue_holds_a_retry_until_due_takes_fairly_and_hands_everything_back_when_stopped()
    {
        var queue = new LaneQueue(TenantWeights.Even, TimeProvider.System);
        var retry = Work("a:late", DateTimeOffset.UtcNow.AddMilliseconds(500));
        Assert.True(queue.TryAdd(retry));
        Assert.False(queue.TryTake(out _));
        foreach (var id in new[] { "a:1", "a:2", "b:1" })
        {
            Assert.True(queue.TryAdd(Work(id)));
        }

        var taken = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            await queue.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(queue.TryPeek(out var peeked));
            Assert.True(queue.TryTake(out var work));
            Assert.Equal(peeked, work);
            taken.Add(work.Item.Id);
        }

        Assert.Equal(["a:1", "b:1", "a:2", "a:late"], taken);

        var waiting = Work("b:later", DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.True(queue.TryAdd(waiting));
        Assert.True(queue.TryAdd(Work("a:3")));
        Assert.Equal(["a:3", "b:later"], queue.Stop().Select(work => work.Item.Id).Order());
        Assert.False(queue.TryAdd(Work("a:4")));
        Assert.False(queue.TryTake(out _));
    }

    private static ReceivedWork Work(string id, DateTimeOffset? notBefore = null) =>
        new(new ChatWorkItem(id, "hello", DateTimeOffset.UtcNow, notBefore, "capped"), null);

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(value => KeyValuePair.Create(value.Key, (string?)value.Value))).Build();
}
