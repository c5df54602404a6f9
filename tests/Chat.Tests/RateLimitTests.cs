using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>One silo, keys on, with small per-key allowances; each test uses its own key, so each has its own.</summary>
public sealed class RateLimitedClusterFixture : ChatClusterFixture
{
    public const int RequestsPerMinute = 6;
    public const int MessagesPerMinute = 5;
    public const string Reader = "reader-secret-0123456789abcdef";
    public const string Sender = "sender-secret-0123456789abcdef";
    public const string Admin = "admin-secret-0123456789abcdef";

    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Auth:Keys:reader"] = Reader,
        ["Auth:Keys:sender"] = Sender,
        ["Auth:Keys:admin"] = Admin,
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

    private static async Task AssertTooMany(HttpResponseMessage response, int limit)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromMinutes(1), $"Retry-After was {response.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
    }
}
