using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Grains;
using Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using StackExchange.Redis;

namespace Chat.Tests;

/// <summary>Two embedded silos that keep a finished message 5 s and a failed one 10 s; one attempt, so a failure is final.</summary>
public sealed class RetentionClusterFixture : ChatClusterFixture
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FailedRetention = TimeSpan.FromSeconds(10);

    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:MaxAttempts"] = "1",
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Results:Retention"] = "00:00:05",
        ["Results:FailedRetention"] = "00:00:10",
        ["Results:SweepPeriod"] = "00:00:02",
    };

    /// <summary>What the results store holds for the message, read past its grain: what memory still keeps.</summary>
    public async Task<bool> Stored(string id)
    {
        var storage = ((InProcessSiloHandle)Cluster.Silos[0]).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results);
        var state = new GrainState<ChatResultState>(new ChatResultState());
        await storage.ReadStateAsync("result", Cluster.Client.GetGrain<IChatResultGrain>(id).GetGrainId(), state);
        return state.RecordExists;
    }
}

/// <summary>
/// Results__Retention and Results__FailedRetention: a finished message is readable until its retention has passed and
/// 404 after, its id free for a new message; a conversation goes once all its messages have; memory and Redis drop
/// them even when nobody asks again.
/// </summary>
public sealed class RetentionTests(RetentionClusterFixture fixture) : IClassFixture<RetentionClusterFixture>
{
    // The bound the issue sets for an expired result to be gone in embedded mode.
    private static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(60);

    private readonly ProcessorScript _script = new();

    private ChatApi Api => fixture.Api;

    [Fact]
    public async Task A_completed_message_is_readable_until_its_retention_and_404_after()
    {
        var id = await SubmitAsync(_script.Echo("kept a while"));
        var completedAt = (await Api.WaitForStatus(id, "completed")).GetProperty("completedAt").GetDateTimeOffset();

        var goneAt = await WaitUntilGoneAsync(Api.GetResult, id, completedAt + RetentionClusterFixture.Retention);
        Assert.True(goneAt <= completedAt + RetentionClusterFixture.Retention + GoneWithin);
    }

    [Fact]
    public async Task A_failed_message_outlives_the_completed_retention_and_goes_after_its_own()
    {
        var id = await SubmitAsync(_script.Fail(99, "kept longer"));
        var failed = await Api.WaitForStatus(id, "failed");
        var completedAt = failed.GetProperty("completedAt").GetDateTimeOffset();
        Assert.Contains(id, await DeadLetterIdsAsync());

        // Past the completed messages' retention, well inside its own: still there, and still listed.
        await Eventually.Returns(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > completedAt + RetentionClusterFixture.Retention,
            "the completed messages' retention to pass");
        Assert.Equal("failed", (await Api.Result(id)).GetProperty("status").GetString());
        Assert.True(DateTimeOffset.UtcNow < completedAt + RetentionClusterFixture.FailedRetention, "the check above ran inside the failed retention");

        await WaitUntilGoneAsync(Api.GetResult, id, completedAt + RetentionClusterFixture.FailedRetention);
        Assert.DoesNotContain(id, await DeadLetterIdsAsync());
    }

    [Fact]
    public async Task An_expired_id_takes_a_new_message()
    {
        var id = await SubmitAsync(_script.Echo("the first"));
        var completedAt = (await Api.WaitForStatus(id, "completed")).GetProperty("completedAt").GetDateTimeOffset();
        await WaitUntilGoneAsync(Api.GetResult, id, completedAt + RetentionClusterFixture.Retention);

        var second = _script.Echo("the second");
        using var accepted = await Api.Submit(second, id);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal(second, result.GetProperty("result").GetString());
        Assert.Equal(1, result.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task An_expired_result_leaves_memory_though_nobody_asks_for_it()
    {
        var id = await SubmitAsync(_script.Echo("swept"));
        var completedAt = (await Api.WaitForStatus(id, "completed")).GetProperty("completedAt").GetDateTimeOffset();
        Assert.True(await fixture.Stored(id));

        // Not read through the API again, so only the silos' sweep can drop it.
        await Eventually.Returns(() => fixture.Stored(id), stored => !stored, $"the expired result {id} to leave memory",
            completedAt + RetentionClusterFixture.Retention + GoneWithin - DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_conversation_goes_once_all_its_messages_have_expired()
    {
        using var created = await fixture.Http.PostAsJsonAsync("/conversations", new { system = "be brief" });
        var conversation = (await ChatApi.Json(created)).GetProperty("id").GetString()!;
        var ids = new List<string>();
        foreach (var words in new[] { "one", "two" })
        {
            using var posted = await fixture.Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = _script.Echo(words) });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            ids.Add((await ChatApi.Json(posted)).GetProperty("id").GetString()!);
        }

        var ended = new List<DateTimeOffset>();
        foreach (var id in ids)
        {
            ended.Add((await Api.WaitForStatus(id, "completed")).GetProperty("completedAt").GetDateTimeOffset());
        }

        using (var read = await fixture.Http.GetAsync($"/conversations/{conversation}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        await WaitUntilGoneAsync(id => fixture.Http.GetAsync($"/conversations/{id}"), conversation, ended.Max() + RetentionClusterFixture.Retention);
        using var late = await fixture.Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = _script.Echo("late") });
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        foreach (var id in ids)
        {
            using var result = await Api.GetResult(id);
            Assert.Equal(HttpStatusCode.NotFound, result.StatusCode);
        }
    }

    private async Task<string> SubmitAsync(string text)
    {
        using var response = await Api.Submit(text);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await ChatApi.Json(response)).GetProperty("id").GetString()!;
    }

    /// <summary>The listed failures; only this test fails messages on this cluster, so the total counts its own.</summary>
    private async Task<List<string>> DeadLetterIdsAsync()
    {
        using var response = await fixture.Http.GetAsync("/results?status=failed&pageSize=200");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await ChatApi.Json(response);
        var ids = page.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, page.GetProperty("total").GetInt32());
        return ids;
    }

    /// <summary>
    /// Reads until the answer is 404, checking each 200 and the 404 against the time: never gone before
    /// <paramref name="expiresAt"/>, and gone within <see cref="GoneWithin"/> of it. Returns when it was found gone.
    /// </summary>
    internal static async Task<DateTimeOffset> WaitUntilGoneAsync(Func<string, Task<HttpResponseMessage>> read, string id, DateTimeOffset expiresAt)
    {
        while (true)
        {
            var asked = DateTimeOffset.UtcNow;
            using var response = await read(id);
            var answered = DateTimeOffset.UtcNow;
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                Assert.True(answered >= expiresAt, $"{id} was gone at {answered:O}, before it expired at {expiresAt:O}");
                return answered;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(asked < expiresAt + GoneWithin, $"{id} was still there at {asked:O}, a minute after it expired at {expiresAt:O}");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Durable mode, real processes and a real redis-server: a finished result's key carries its retention as a Redis
/// expiry, so Redis drops it by itself, and the API answers 404 after.
/// </summary>
public sealed class DurableRetentionTests : IAsyncLifetime
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FailedRetention = TimeSpan.FromSeconds(10);

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_finished_results_key_and_its_conversations_expire_in_Redis_after_their_retention()
    {
        // "down" answers nothing (a closed port) and has one attempt, so its message fails at once.
        await using var cluster = await ProcessCluster.StartAsync("retention", _redis, silos: 1, new Dictionary<string, string>
        {
            ["Results__Retention"] = "00:00:05",
            ["Results__FailedRetention"] = "00:00:10",
            ["Processing__MaxAttempts"] = "1",
            ["Backends__down__Kind"] = "openai",
            ["Backends__down__Model"] = "m",
            ["Backends__down__Endpoint"] = $"http://127.0.0.1:{FreePorts.Any()}/v1",
        });
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var completed = $"retained-{Guid.NewGuid():N}";
        var failed = $"retained-failed-{Guid.NewGuid():N}";
        using (var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(completed), completed))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using (var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(failed), failed, "down"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // A conversation of one turn: its record goes with its last message's.
        string conversation;
        using (var created = await cluster.Http.PostAsJsonAsync("/conversations", new { system = "be brief" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            conversation = (await ChatApi.Json(created)).GetProperty("id").GetString()!;
        }

        string turn;
        using (var posted = await cluster.Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = "one turn" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            turn = (await ChatApi.Json(posted)).GetProperty("id").GetString()!;
        }

        var completedAt = (await cluster.Api.WaitForStatus(completed, "completed")).GetProperty("completedAt").GetDateTimeOffset();
        var failedAt = (await cluster.Api.WaitForStatus(failed, "failed")).GetProperty("completedAt").GetDateTimeOffset();
        var turnAt = (await cluster.Api.WaitForStatus(turn, "completed")).GetProperty("completedAt").GetDateTimeOffset();
        var conversationKey = KeyOf(redis, conversation);
        var conversationTtl = await Eventually.Returns(
            () => redis.GetDatabase().KeyTimeToLiveAsync(conversationKey), ttl => ttl is not null, $"the conversation's key {conversationKey} to get an expiry");
        Assert.InRange(conversationTtl!.Value, TimeSpan.FromMilliseconds(1), Retention);

        // Orleans' own key layout ({ServiceId}/state/{grain type}/{key}/{state}), each with an expiry within its retention.
        var completedKey = KeyOf(redis, completed);
        var failedKey = KeyOf(redis, failed);
        Assert.EndsWith($"/state/chatresult/{completed}/result", completedKey, StringComparison.Ordinal);
        var completedTtl = await redis.GetDatabase().KeyTimeToLiveAsync(completedKey);
        var failedTtl = await redis.GetDatabase().KeyTimeToLiveAsync(failedKey);
        Assert.InRange(completedTtl!.Value, TimeSpan.FromMilliseconds(1), Retention);
        Assert.InRange(failedTtl!.Value, Retention, FailedRetention);

        // Redis drops the keys by itself: nobody reads them meanwhile.
        await Eventually.Returns(() => redis.GetDatabase().KeyExistsAsync(completedKey), exists => !exists, $"the key {completedKey} to expire");
        Assert.True(DateTimeOffset.UtcNow >= completedAt + Retention);
        await Eventually.Returns(() => redis.GetDatabase().KeyExistsAsync(failedKey), exists => !exists, $"the key {failedKey} to expire");
        Assert.True(DateTimeOffset.UtcNow >= failedAt + FailedRetention);
        await Eventually.Returns(() => redis.GetDatabase().KeyExistsAsync(conversationKey), exists => !exists, $"the key {conversationKey} to expire");
        Assert.True(DateTimeOffset.UtcNow >= turnAt + Retention);
        foreach (var id in new[] { completed, failed, turn })
        {
            using var response = await cluster.Api.GetResult(id);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var response = await cluster.Http.GetAsync($"/conversations/{conversation}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // The id is free again, and its new message is stored afresh.
        using (var response = await cluster.Api.Submit("a second life", completed))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.Equal("a second life", (await cluster.Api.WaitForStatus(completed, "completed")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_write_without_an_expiry_removes_the_one_an_earlier_write_set()
    {
        // A failed message retried is live again: Orleans' write keeps a key's expiry, so the store must remove it.
        var cluster = new OneDurableSilo(_redis);
        await cluster.InitializeAsync();
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
            var id = $"retried-{Guid.NewGuid():N}";
            var services = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services;
            var grain = services.GetRequiredService<IGrainFactory>().GetGrain<IChatResultGrain>(id).GetGrainId();
            var storage = services.GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results);
            var state = new GrainState<ChatResultState>(new ChatResultState
            {
                Message = "m", Status = ChatStatus.Failed, CompletedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
            });
            await storage.WriteStateAsync("result", grain, state);
            var key = KeyOf(redis, id);
            Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));

            state.State = new ChatResultState { Message = "m", Status = ChatStatus.Queued };
            await storage.WriteStateAsync("result", grain, state);
            Assert.Null(await redis.GetDatabase().KeyTimeToLiveAsync(key));
            Assert.True(await redis.GetDatabase().KeyExistsAsync(key));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static string KeyOf(ConnectionMultiplexer redis, string id) =>
        (string)redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"*/state/*/{id}/*").Single()!;
}

/// <summary>One silo whose membership and grain state live in the given redis-server.</summary>
public sealed class OneDurableSilo(RedisServer redis) : ChatClusterFixture
{
    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
    };
}
