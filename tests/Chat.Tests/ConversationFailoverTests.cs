using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Durable mode with real processes: three silos and a frontend on a private redis-server, several conversations
/// posting messages that each take a while to answer, and the silo running one of those replies killed with kill -9.
/// </summary>
public sealed class ConversationFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Conversations = 8;
    private const int MessagesEach = 4;
    private const int Victim = 2;

    // Slow replies, so one is caught running; fast failure detection and a short lease, so recovery fits a test.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Processing__DelayMs"] = "1500",
        ["Streaming__LeaseSeconds"] = "4",
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
    };

    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_silo_killed_mid_reply_leaves_every_conversation_complete_and_in_order()
    {
        await using var cluster = await ProcessCluster.StartAsync("conversation-kill-9", _redis, silos: 3, Settings);
        var posted = new List<(string Conversation, string[] Ids, string[] Texts)>();
        for (var c = 0; c < Conversations; c++)
        {
            using var created = await cluster.Http.PostAsJsonAsync("/conversations", new { system = "be brief" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var conversation = (await ChatApi.Json(created)).GetProperty("id").GetString()!;
            var texts = Enumerable.Range(1, MessagesEach).Select(m => $"conversation {c} message {m}").ToArray();
            var ids = new List<string>();
            foreach (var text in texts)
            {
                using var response = await cluster.Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = text });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add((await ChatApi.Json(response)).GetProperty("id").GetString()!);
            }

            posted.Add((conversation, [.. ids], texts));
        }

        // A reply being written on the victim: the one its death interrupts.
        var victim = cluster.SiloEndpoint(Victim);
        var all = posted.SelectMany(p => p.Ids).ToArray();
        var interrupted = await Eventually.Returns(
            async () =>
            {
                foreach (var id in all)
                {
                    var result = await cluster.Api.Result(id);
                    if (result.GetProperty("status").GetString() == "processing" && result.GetProperty("silo").GetString() == victim)
                    {
                        return id;
                    }
                }

                return null;
            },
            id => id is not null,
            $"a message to be processing on silo {victim}",
            TimeSpan.FromSeconds(90));
        cluster.KillSilo(Victim);

        foreach (var (conversation, ids, texts) in posted)
        {
            // Until the cluster has declared the victim dead, a conversation that lived there answers 503.
            var ended = await Eventually.Returns(
                () => GetUnlessUnavailable(cluster, conversation),
                c => c is { } found && found.GetProperty("messages").EnumerateArray().All(m => m.GetProperty("status").GetString() == "completed"),
                $"every message of conversation {conversation} to complete",
                TimeSpan.FromSeconds(120));
            var messages = ended!.Value.GetProperty("messages").EnumerateArray().ToArray();
            Assert.Equal(ids, messages.Select(m => m.GetProperty("id").GetString()));
            Assert.Equal(texts, messages.Select(m => m.GetProperty("result").GetString()));

            // Strictly one after another, the failover included: each started only once the one before it had completed.
            var results = await Task.WhenAll(ids.Select(id => cluster.Api.Result(id)));
            for (var m = 1; m < results.Length; m++)
            {
                var started = results[m].GetProperty("startedAt").GetDateTimeOffset();
                var previous = results[m - 1].GetProperty("completedAt").GetDateTimeOffset();
                Assert.True(started >= previous, $"{ids[m]} started at {started:O}, before {ids[m - 1]} completed at {previous:O}");
            }
        }

        var rerun = await cluster.Api.Result(interrupted!);
        output.WriteLine($"interrupted {interrupted}: {rerun.GetProperty("attempts").GetInt32()} attempts, last on {rerun.GetProperty("silo").GetString()}");
        Assert.True(rerun.GetProperty("attempts").GetInt32() >= 2, $"the interrupted reply did not run again: {rerun}");
        Assert.NotEqual(victim, rerun.GetProperty("silo").GetString());
    }

    private static async Task<JsonElement?> GetUnlessUnavailable(ProcessCluster cluster, string conversation)
    {
        using var response = await cluster.Http.GetAsync($"/conversations/{conversation}");
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }
}
