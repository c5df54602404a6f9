using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// Real backends over HTTP on a three-silo cluster: the official OpenAI client and OllamaSharp against fake servers
/// that count what reaches them, so caps, 429s, fallbacks, cancellation and isolation are seen from the backend's side.
/// </summary>
[Collection(BackendsClusterCollection.Name)]
public sealed class BackendTests(BackendsClusterFixture fixture, ITestOutputHelper output) : IDisposable
{
    private ChatApi Api => fixture.Api;

    private static async Task Accepted(Task<HttpResponseMessage> submit)
    {
        using var response = await submit;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    public void Dispose()
    {
        foreach (var server in fixture.Servers)
        {
            server.Reset();
        }
    }

    [Fact]
    public async Task An_unknown_backend_answers_400_listing_the_known_ones_and_stores_nothing()
    {
        var id = $"unknown-{Guid.NewGuid():N}";
        using var response = await Api.Submit("hello", id, "nope");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ChatApi.Json(response);
        Assert.Equal(["budget", "busy", "capped", "echo", "flaky", "spare", "stalled"], problem.GetProperty("backends").EnumerateArray().Select(name => name.GetString()));
        Assert.Contains("'nope'", problem.GetProperty("detail").GetString());
        using var stored = await Api.GetResult(id);
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);

        using var malformed = await Api.Submit("hello", null, "not a name");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((await ChatApi.Json(malformed)).GetProperty("errors").TryGetProperty("backend", out _));
    }

    [Fact]
    public async Task An_openai_backend_answers_with_its_model_and_the_tokens_it_reported()
    {
        var id = $"usage-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("three little words", id, "capped"));

        var result = await Api.WaitForStatus(id, "completed");

        // The fake replies "<model> says: <message>" and counts whitespace-separated words as tokens.
        Assert.Equal("m-capped says: three little words", result.GetProperty("result").GetString());
        Assert.Equal("capped", result.GetProperty("backend").GetString());
        Assert.Equal("m-capped", result.GetProperty("model").GetString());
        Assert.Equal(3, result.GetProperty("inputTokens").GetInt32());
        Assert.Equal(5, result.GetProperty("outputTokens").GetInt32());
        Assert.Equal(1, fixture.Capped.Stats.Completed);
    }

    [Fact]
    public async Task An_ollama_backend_answers_through_its_native_api()
    {
        var id = $"ollama-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("native please", id, "spare"));

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal("m-spare says: native please", result.GetProperty("result").GetString());
        Assert.Equal((2, 4), (result.GetProperty("inputTokens").GetInt32(), result.GetProperty("outputTokens").GetInt32()));
    }

    [Fact]
    public async Task A_capped_backend_never_sees_more_than_its_cap_from_three_silos_and_is_kept_busy()
    {
        const int messages = 24;
        var latency = TimeSpan.FromMilliseconds(500);
        fixture.Capped.Behavior = new FakeChatBehavior(LatencyMs: (int)latency.TotalMilliseconds);
        var ids = Enumerable.Range(0, messages).Select(i => $"cap-{Guid.NewGuid():N}-{i}").ToArray();

        await Parallel.ForEachAsync(ids, async (id, _) => await Accepted(Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "capped")));
        var results = await Task.WhenAll(ids.Select(id => Api.WaitForStatus(id, "completed")));

        var exchanges = fixture.Capped.Exchanges;
        var busy = exchanges.Max(exchange => exchange.EndedAt) - exchanges.Min(exchange => exchange.StartedAt);
        var utilisation = exchanges.Sum(exchange => (exchange.EndedAt - exchange.StartedAt).TotalSeconds) / (busy.TotalSeconds * BackendsClusterFixture.Cap);
        var silos = results.Select(result => result.GetProperty("silo").GetString()).Distinct().Count();
        output.WriteLine($"cap {BackendsClusterFixture.Cap}: most in flight at once {fixture.Capped.Stats.MaxInFlight}; {messages} requests of {latency.TotalMilliseconds:0} ms in {busy.TotalSeconds:0.00} s (ideal {messages * latency.TotalSeconds / BackendsClusterFixture.Cap:0.00} s), {utilisation:P0} of the cap used; sent from {silos} silos");

        Assert.Equal(BackendsClusterFixture.Cap, fixture.Capped.Stats.MaxInFlight);
        Assert.Equal(messages, exchanges.Count(exchange => exchange.Outcome == "completed"));
        Assert.Equal(3, silos);
        // With a backlog the cap is used, not split over silos and left idle: a third of it idle would be a defect.
        Assert.True(utilisation > 0.66, $"only {utilisation:P0} of the cap was used");
    }

    [Fact]
    public async Task A_429_is_waited_out_without_spending_attempts()
    {
        // More 429s in a row than the message has attempts, each asking for a second.
        fixture.Busy.Inject(FakeFault.RateLimited, count: 2, retryAfter: TimeSpan.FromSeconds(1));
        var id = $"limited-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("patience", id, "busy"));

        var result = await Api.WaitForStatus(id, "completed");

        var exchanges = fixture.Busy.Exchanges.OrderBy(exchange => exchange.StartedAt).ToArray();
        Assert.Equal(["ratelimited", "ratelimited", "completed"], exchanges.Select(exchange => exchange.Outcome));
        var waits = exchanges.Zip(exchanges.Skip(1), (earlier, later) => later.StartedAt - earlier.EndedAt).ToArray();
        output.WriteLine($"waits after each 429 (asked 1 s): {string.Join(", ", waits.Select(wait => $"{wait.TotalSeconds:0.000} s"))}");
        Assert.All(waits, wait => Assert.True(wait >= TimeSpan.FromSeconds(1), $"sent again {wait.TotalSeconds:0.000} s after a 429 that asked for 1 s"));
        Assert.Equal("m-busy says: patience", result.GetProperty("result").GetString());
        Assert.Equal(3, result.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task After_a_429_no_silo_sends_to_that_backend_before_the_wait_is_over()
    {
        // Requests already on their way when the 429 came cannot be called back; with a cap of 2, the one beside it.
        var wait = TimeSpan.FromSeconds(2);
        fixture.Busy.Behavior = new FakeChatBehavior(LatencyMs: 300);
        fixture.Busy.Inject(FakeFault.RateLimited, count: 1, retryAfter: wait);
        var ids = Enumerable.Range(0, 12).Select(i => $"holdoff-{Guid.NewGuid():N}-{i}").ToArray();
        await Parallel.ForEachAsync(ids, async (id, _) => await Accepted(Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "busy")));
        var results = await Task.WhenAll(ids.Select(id => Api.WaitForStatus(id, "completed")));

        var exchanges = fixture.Busy.Exchanges;
        var limited = Assert.Single(exchanges, exchange => exchange.Outcome == "ratelimited");
        // The 429 went to the first request to arrive; the one beside it is the next to arrive, which can be a moment
        // after the 429 has gone back.
        var beside = exchanges.Where(exchange => exchange != limited).MinBy(exchange => exchange.StartedAt);
        var after = exchanges.Where(exchange => exchange != limited && exchange != beside).ToArray();
        var during = after.Count(exchange => exchange.StartedAt < limited.EndedAt + wait);
        var next = after.Where(exchange => exchange.StartedAt >= limited.EndedAt + wait).Min(exchange => exchange.StartedAt) - limited.EndedAt;
        output.WriteLine($"429 asking for {wait.TotalSeconds:0} s; {during} requests started within the wait besides the one beside it, the first after it {next.TotalSeconds:0.000} s after the 429; {results.Select(r => r.GetProperty("silo").GetString()).Distinct().Count()} silos sent");
        // Without the hold-off, the backlog would send about a dozen requests in those two seconds. One may slip
        // through when the request beside the 429 ends in the few milliseconds before the gate hears of the 429.
        Assert.True(during <= 1, $"{during} requests went during the wait");
        Assert.Equal(ids.Length, exchanges.Count(exchange => exchange.Outcome == "completed"));
    }

    [Fact]
    public async Task A_backend_that_always_answers_429_fails_the_message_with_a_clear_error()
    {
        fixture.Busy.Inject(FakeFault.RateLimited, count: 1000, retryAfter: TimeSpan.Zero);
        var id = $"always-limited-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("never", id, "busy"));

        var result = await Api.WaitForStatus(id, "failed");

        // Two deferrals allowed in a row, the third counts as a failed attempt; two attempts: six 429s in all.
        Assert.Equal(6, fixture.Busy.Stats.RateLimited);
        Assert.Equal("The backend busy answered 429: waiting 0 s as it asked. (turned away 3 times in a row)", result.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_backend_that_fails_every_attempt_hands_the_message_to_its_fallback()
    {
        fixture.Flaky.Inject(FakeFault.ServerError, count: BackendsClusterFixture.MaxAttempts);
        var id = $"fallback-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("second opinion", id, "flaky"));

        var result = await Api.WaitForStatus(id, "completed");

        Assert.Equal("spare", result.GetProperty("backend").GetString());
        Assert.Equal("m-spare says: second opinion", result.GetProperty("result").GetString());
        Assert.Equal((2, 1), (fixture.Flaky.Stats.Failed, fixture.Spare.Stats.Completed));
        Assert.Equal(3, result.GetProperty("attempts").GetInt32());
    }

    [Theory]
    [InlineData(FakeFault.ErrorPayload, "answered 200 with an error instead of a reply")]
    [InlineData(FakeFault.Malformed, "not valid JSON")]
    [InlineData(FakeFault.Disconnect, "closed the connection before the reply was complete")]
    [InlineData(FakeFault.Hang, "did not answer within 2 s")]
    public async Task A_bad_backend_ends_the_message_with_a_clear_error(FakeFault fault, string error)
    {
        // Every attempt on the flaky backend and on its fallback goes wrong the same way.
        fixture.Flaky.Inject(fault, count: BackendsClusterFixture.MaxAttempts);
        fixture.Spare.Inject(fault, count: BackendsClusterFixture.MaxAttempts);
        var id = $"bad-{fault}-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("anything", id, "flaky"));

        var result = await Api.WaitForStatus(id, "failed", TimeSpan.FromSeconds(90));

        output.WriteLine($"{fault}: {result.GetProperty("error").GetString()}");
        Assert.Contains(error, result.GetProperty("error").GetString());
        Assert.StartsWith("The backend spare ", result.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Cancelling_a_running_message_closes_its_request_to_the_backend()
    {
        fixture.Stalled.Inject(FakeFault.Hang);
        var id = $"cancel-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("hold on", id, "stalled"));

        await Api.WaitForStatus(id, "processing");
        await Eventually.Returns(() => Task.FromResult(fixture.Stalled.Stats.InFlight), inFlight => inFlight == 1, "the request to reach the backend");

        var clock = Stopwatch.StartNew();
        using (var cancel = await fixture.Http.DeleteAsync($"/chat/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await Eventually.Returns(() => Task.FromResult(fixture.Stalled.Stats.Aborted), aborted => aborted == 1, "the backend to see the request closed", TimeSpan.FromSeconds(5));
        output.WriteLine($"the backend saw the request closed {clock.Elapsed.TotalMilliseconds:0} ms after DELETE /chat/{{id}} answered");
        Assert.Equal("cancelled", (await Api.Result(id)).GetProperty("status").GetString());
        Assert.Equal(0, fixture.Stalled.Stats.InFlight);
    }

    [Fact]
    public async Task A_stalled_backend_does_not_delay_another_backends_messages()
    {
        // A backlog on a backend that never answers: far more than a silo's slots would hold if they were shared.
        fixture.Stalled.Behavior = new FakeChatBehavior(LatencyMs: 600_000);
        var stalled = Enumerable.Range(0, 40).Select(i => $"stalled-{Guid.NewGuid():N}-{i}").ToArray();
        await Parallel.ForEachAsync(stalled, async (id, _) => await Accepted(Api.Submit("waiting", id, "stalled")));
        await Eventually.Returns(() => Task.FromResult(fixture.Stalled.Stats.InFlight), inFlight => inFlight == stalled.Length, "every stalled request to reach its backend");

        var clock = Stopwatch.StartNew();
        var ids = ChatApiBatchExtensions.NewIds("beside-stalled", 30);
        await Parallel.ForEachAsync(ids, async (id, _) => await Accepted(Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "capped")));
        var results = await Task.WhenAll(ids.Select(id => Api.WaitForStatus(id, "completed")));
        var worst = results.Max(result => result.GetProperty("completedAt").GetDateTimeOffset() - result.GetProperty("enqueuedAt").GetDateTimeOffset());
        output.WriteLine($"with {stalled.Length} requests stalled on one backend, {ids.Count} messages to another took at most {worst.TotalMilliseconds:0} ms each, {clock.Elapsed.TotalSeconds:0.0} s in all");

        Assert.Equal(stalled.Length, fixture.Stalled.Stats.InFlight);
        var statuses = await Task.WhenAll(stalled.Select(async id => (await Api.Result(id)).GetProperty("status").GetString()));
        Assert.All(statuses, status => Assert.Equal("processing", status));
        foreach (var id in stalled)
        {
            using var cancel = await fixture.Http.DeleteAsync($"/chat/{id}");
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        await Eventually.Returns(() => Task.FromResult(fixture.Stalled.Stats.InFlight), inFlight => inFlight == 0, "the stalled requests to be closed");
    }

    [Fact]
    public async Task A_per_minute_request_budget_holds_across_the_cluster()
    {
        var ids = Enumerable.Range(0, 7).Select(i => $"budget-{Guid.NewGuid():N}-{i}").ToArray();
        await Parallel.ForEachAsync(ids, async (id, _) => await Accepted(Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "budget")));

        // Five a minute: five complete at once, and the other two wait for the window to move on.
        await Eventually.Returns(() => Task.FromResult(fixture.Budget.Stats.Completed), completed => completed == 5, "five requests to be answered");
        var budget = await Eventually.Returns(
            async () => (await fixture.Http.GetFromJsonAsync<JsonElement>("/backends")).EnumerateArray().Single(backend => backend.GetProperty("name").GetString() == "budget"),
            // Silos report on their own schedules: the two waiting may be counted a report after the five answered.
            backend => backend.GetProperty("completed").GetInt64() == 5 && backend.GetProperty("queued").GetInt32() == 2,
            "GET /backends to report the five answered and the two waiting");

        // The other two are still waiting for the window, well within the minute.
        Assert.Equal(5, fixture.Budget.Stats.Requests);
        Assert.Equal(2, budget.GetProperty("queued").GetInt32());
        Assert.Equal(0, budget.GetProperty("inFlight").GetInt32());
        foreach (var id in ids)
        {
            using var cancel = await fixture.Http.DeleteAsync($"/chat/{id}");
        }
    }

    [Fact]
    public async Task Backends_lists_each_backend_with_its_load_and_never_its_key()
    {
        var id = $"listed-{Guid.NewGuid():N}";
        await Accepted(Api.Submit("count me", id, "capped"));

        await Api.WaitForStatus(id, "completed");

        var body = await Eventually.Returns(
            async () => await fixture.Http.GetStringAsync("/backends"),
            json => JsonDocument.Parse(json).RootElement.EnumerateArray().Any(backend => backend.GetProperty("name").GetString() == "capped" && backend.GetProperty("completed").GetInt64() >= 1),
            "the capped backend's completion to be reported");
        Assert.DoesNotContain("sk-capped-secret", body);
        var capped = JsonDocument.Parse(body).RootElement.EnumerateArray().Single(backend => backend.GetProperty("name").GetString() == "capped");
        string[] fields = ["name", "kind", "model", "maxConcurrency", "inFlight", "queued", "completed", "failed", "rateLimited", "inputTokens", "outputTokens", "isDefault"];
        Assert.Equal(fields.Order(), capped.EnumerateObject().Select(property => property.Name).Order());
        Assert.Equal(("openai", "m-capped", BackendsClusterFixture.Cap), (capped.GetProperty("kind").GetString(), capped.GetProperty("model").GetString(), capped.GetProperty("maxConcurrency").GetInt32()));
        Assert.True(capped.GetProperty("inputTokens").GetInt64() >= 2);
    }
}
