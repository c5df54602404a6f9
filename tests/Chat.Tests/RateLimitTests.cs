using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;

namespace Chat.Tests;

/// <summary>One silo, keys on, with small per-key allowances; each test uses its own key, so each has its own.</summary>
public sealed class RateLimitedClusterFixture : ChatClusterFixture
{
    public const int RequestsPerMinute = 6;
    public const int MessagesPerMinute = 5;
    public const string Reader = "reader-secret-0123456789abcdef";
    public const string Sender = "sender-secret-0123456789abcdef";
    public const string Admin = "admin-secret-0123456789abcdef";
    public const string Alpha = "alpha-secret-0123456789abcdef";
    public const string Beta = "beta-secret-0123456789abcdef";
    public const string Bulk = "bulk-secret-0123456789abcdef";

    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Auth:Keys:reader"] = Reader,
        ["Auth:Keys:sender"] = Sender,
        ["Auth:Keys:admin"] = Admin,
        ["Auth:Keys:alpha"] = Alpha,
        ["Auth:Keys:beta"] = Beta,
        ["Auth:Keys:bulk"] = Bulk,
        ["Auth:AdminKeys"] = "admin",
        ["Auth:RequestsPerMinute"] = RequestsPerMinute.ToString(),
        ["Auth:MessagesPerMinute"] = MessagesPerMinute.ToString(),
    };

    public HttpClient As(string secret) => new()
    {
        BaseAddress = Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", secret) },
    };
}

public sealed class RateLimitTests(RateLimitedClusterFixture fixture) : IClassFixture<RateLimitedClusterFixture>
{
    [Fact]
    public async Task A_key_past_its_requests_a_minute_gets_429_with_retry_after_and_its_submission_is_not_stored()
    {
        using var reader = fixture.As(RateLimitedClusterFixture.Reader);
        using var admin = fixture.As(RateLimitedClusterFixture.Admin);
        for (var i = 0; i < RateLimitedClusterFixture.RequestsPerMinute; i++)
        {
            using var allowed = await reader.GetAsync("/result/nothing-here");
            Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
        }

        var id = $"limited-{Guid.NewGuid():N}";
        using var refused = await reader.PostAsJsonAsync("/chat", new { message = "one too many", id });

        await AssertTooMany(refused, RateLimitedClusterFixture.RequestsPerMinute);
        using var stored = await admin.GetAsync($"/result/reader:{id}");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);

        // The admin's key read above on its own allowance; the probes count against none.
        using var health = await reader.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_batch_takes_one_permit_per_message_and_one_past_the_allowance_stores_none_of_them()
    {
        using var sender = fixture.As(RateLimitedClusterFixture.Sender);
        using var admin = fixture.As(RateLimitedClusterFixture.Admin);
        var first = Enumerable.Range(0, 3).Select(i => $"first-{i}-{Guid.NewGuid():N}").ToArray();
        var second = Enumerable.Range(0, 3).Select(i => $"second-{i}-{Guid.NewGuid():N}").ToArray();

        using (var accepted = await sender.PostAsJsonAsync("/chat/batch", Batch(first)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        // 3 + 3 messages is past 5 a minute, though it is only the key's second request.
        using var refused = await sender.PostAsJsonAsync("/chat/batch", Batch(second));

        await AssertTooMany(refused, RateLimitedClusterFixture.MessagesPerMinute);
        foreach (var id in second)
        {
            using var stored = await admin.GetAsync($"/result/sender:{id}");
            Assert.True(HttpStatusCode.NotFound == stored.StatusCode, $"sender:{id} answered {(int)stored.StatusCode}");
        }
    }

    [Fact]
    public async Task Messages_a_minute_are_counted_for_each_key_apart_and_a_conversation_s_messages_count_too()
    {
        using var alpha = fixture.As(RateLimitedClusterFixture.Alpha);
        using var beta = fixture.As(RateLimitedClusterFixture.Beta);

        // Alpha's five messages a minute, in four of its six requests: two in a conversation, then a batch of three.
        using var created = await alpha.PostAsJsonAsync("/conversations", new { });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conversation = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var turns = Enumerable.Range(0, 3).Select(i => $"turn-{i}-{Guid.NewGuid():N}").ToArray();
        foreach (var turn in turns[..2])
        {
            using var posted = await alpha.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = $"hello {turn}", id = turn });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var batch = Enumerable.Range(0, 3).Select(i => $"alpha-{i}-{Guid.NewGuid():N}").ToArray();
        using (var accepted = await alpha.PostAsJsonAsync("/chat/batch", Batch(batch)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var items = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
            Assert.Equal(["queued", "queued", "queued"], items.EnumerateArray().Select(item => item.GetProperty("status").GetString()));
        }

        // Its sixth message is refused, whether alone or in the conversation: had the conversation's two not counted,
        // the lone one would be its fourth and taken. Each is a request within the six, so the refusal is the messages'.
        var lone = $"alpha-lone-{Guid.NewGuid():N}";
        using (var refused = await alpha.PostAsJsonAsync("/chat", new { message = "one message too many", id = lone }))
        {
            await AssertTooMany(refused, RateLimitedClusterFixture.MessagesPerMinute, "messages");
        }

        using (var refused = await alpha.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = "one turn too many", id = turns[2] }))
        {
            await AssertTooMany(refused, RateLimitedClusterFixture.MessagesPerMinute, "messages");
        }

        // Beta's allowance is its own, untouched by alpha's: a message alone, then a batch of the four it has left.
        using (var single = await beta.PostAsJsonAsync("/chat", new { message = "beta's first", id = $"beta-{Guid.NewGuid():N}" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        }

        using (var rest = await beta.PostAsJsonAsync("/chat/batch", Batch(Enumerable.Range(0, 4).Select(i => $"beta-{i}-{Guid.NewGuid():N}"))))
        {
            Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
            var items = (await rest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
            Assert.Equal(["queued", "queued", "queued", "queued"], items.EnumerateArray().Select(item => item.GetProperty("status").GetString()));
        }

        // Nothing of alpha's refused requests was stored: the lone message is not there, and the conversation holds its
        // first two turns only.
        Assert.Null(await Stored($"alpha:{lone}"));
        Assert.Null(await Stored($"alpha:{turns[2]}"));
        var view = await fixture.Cluster.Client.GetGrain<IConversationGrain>($"alpha:{conversation}").Get();
        Assert.NotNull(view);
        Assert.Equal(turns[..2].Select(turn => $"alpha:{turn}"), view.Messages.Select(message => message.Id));
    }

    [Fact]
    public async Task A_batch_larger_than_a_whole_minute_s_allowance_gets_429_with_retry_after_telling_it_to_split()
    {
        using var bulk = fixture.As(RateLimitedClusterFixture.Bulk);
        var oversized = Enumerable.Range(0, RateLimitedClusterFixture.MessagesPerMinute + 1).Select(i => $"bulk-{i}-{Guid.NewGuid():N}").ToArray();

        using (var refused = await bulk.PostAsJsonAsync("/chat/batch", Batch(oversized)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            // No wait lets it in whole; Retry-After is when a whole minute's allowance is next there for its parts.
            Assert.Equal(TimeSpan.FromMinutes(1), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            Assert.Equal(RateLimitedClusterFixture.MessagesPerMinute, problem.GetProperty("limit").GetInt32());
            Assert.Equal("Batch larger than the rate limit.", problem.GetProperty("title").GetString());
            Assert.Equal(
                "The batch holds 6 messages, more than the 5 this key may send in a minute, so it is never taken whole. " +
                "Split it into parts of at most 5 and send them; Retry-After says when a whole minute's allowance is next available. Nothing of this request was stored.",
                problem.GetProperty("detail").GetString());
        }

        foreach (var id in oversized)
        {
            Assert.Null(await Stored($"bulk:{id}"));
        }

        // The refusal took none of the key's allowance: a part of the whole allowance is taken at once.
        using var part = await bulk.PostAsJsonAsync("/chat/batch", Batch(oversized[..RateLimitedClusterFixture.MessagesPerMinute]));
        Assert.Equal(HttpStatusCode.OK, part.StatusCode);
        var items = (await part.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
        Assert.Equal(Enumerable.Repeat("queued", RateLimitedClusterFixture.MessagesPerMinute), items.EnumerateArray().Select(item => item.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task The_dashboard_s_polling_counts_against_no_allowance()
    {
        using var admin = fixture.As(RateLimitedClusterFixture.Admin);
        for (var i = 0; i <= RateLimitedClusterFixture.RequestsPerMinute; i++)
        {
            using var page = await admin.GetAsync("/dashboard/");
            Assert.True(HttpStatusCode.OK == page.StatusCode, $"dashboard request {i + 1} answered {(int)page.StatusCode}");
        }
    }

    private static object Batch(IEnumerable<string> ids) => new { messages = ids.Select(id => new { message = $"hello {id}", id }).ToArray() };

    /// <summary>The stored message under <paramref name="key"/> (tenant:id), asked of the cluster: no key's allowance is spent.</summary>
    private Task<ChatResult?> Stored(string key) => fixture.Cluster.Client.GetGrain<IChatResultGrain>(key).Get().AsTask();

    /// <param name="what">"messages" or "requests" to check the problem's detail names that limit; null for either.</param>
    private static async Task AssertTooMany(HttpResponseMessage response, int limit, string? what = null)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromMinutes(1), $"Retry-After was {response.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
        if (what is not null)
        {
            Assert.Equal(
                $"This key may send {limit} {what} a minute and has sent them. Retry after the number of seconds in Retry-After; nothing of this request was stored.",
                problem.GetProperty("detail").GetString());
        }
    }
}
