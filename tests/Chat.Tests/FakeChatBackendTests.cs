using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace Chat.Tests;

/// <summary>The fake chat backend, driven by the real OpenAI and Ollama clients the cluster's backends use.</summary>
public sealed class FakeChatBackendTests
{
    [Fact]
    public async Task OpenAi_client_gets_the_deterministic_reply_and_usage()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server, "gpt-fake");

        var response = await client.GetResponseAsync([new(ChatRole.System, "be brief please"), new(ChatRole.User, "hello  there")]);

        Assert.Equal("gpt-fake says: hello  there", response.Text);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(4, response.Usage?.OutputTokenCount);
        Assert.Equal(new FakeChatStats(Requests: 1, InFlight: 0, MaxInFlight: 1, Completed: 1, Aborted: 0, RateLimited: 0, Failed: 0), server.Stats);
    }

    [Fact]
    public async Task OpenAi_client_streams_the_reply_token_by_token_and_gets_usage_without_asking()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server);

        var updates = await client.GetStreamingResponseAsync("one two three").ToListAsync();

        Assert.Equal(["m ", "says: ", "one ", "two ", "three"], updates.Select(update => update.Text).Where(text => text.Length > 0));
        var response = updates.ToChatResponse();
        Assert.Equal("m says: one two three", response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(3, response.Usage?.InputTokenCount);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
        Assert.Equal(1, server.Stats.Completed);
    }

    [Fact]
    public async Task Text_parts_are_read_as_one_text()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server);

        var response = await client.GetResponseAsync([new(ChatRole.User, [new TextContent("first "), new TextContent("second")])]);

        Assert.Equal("m says: first second", response.Text);
        Assert.Equal(2, response.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Ollama_client_gets_the_same_reply_and_counts_streamed_or_whole()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = Ollama(server, "llama3");

        var whole = await client.GetResponseAsync("hi there");
        var streamed = await client.GetStreamingResponseAsync("hi there").ToListAsync();

        Assert.Equal("llama3 says: hi there", whole.Text);
        Assert.Equal(2, whole.Usage?.InputTokenCount);
        Assert.Equal(4, whole.Usage?.OutputTokenCount);
        Assert.Equal(["llama3 ", "says: ", "hi ", "there"], streamed.Select(update => update.Text).Where(text => text.Length > 0));
        Assert.Equal(4, streamed.ToChatResponse().Usage?.OutputTokenCount);
        Assert.Equal(2, server.Stats.Completed);
    }

    [Fact]
    public async Task Rate_limit_reaches_the_OpenAI_client_as_429_with_Retry_After_and_is_counted()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server);
        server.Inject(FakeFault.RateLimited, count: 2, retryAfter: TimeSpan.FromSeconds(2.5));

        foreach (var streaming in new[] { false, true })
        {
            var error = await Assert.ThrowsAsync<ClientResultException>(() => streaming
                ? client.GetStreamingResponseAsync("hi").ToListAsync().AsTask()
                : client.GetResponseAsync("hi"));
            Assert.Equal(429, error.Status);
            Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
            Assert.Equal("3", retryAfter);
        }

        Assert.Equal("m says: hi", (await client.GetResponseAsync("hi")).Text);
        Assert.Equal(new FakeChatStats(Requests: 3, InFlight: 0, MaxInFlight: 1, Completed: 1, Aborted: 0, RateLimited: 2, Failed: 0), server.Stats);
    }

    [Fact]
    public async Task Unavailable_and_server_errors_reach_the_Ollama_client_as_status_codes_in_the_order_injected()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = Ollama(server);
        server.Inject(FakeFault.Unavailable);
        server.Inject(FakeFault.ServerError);

        var unavailable = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync("hi"));
        var failed = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStreamingResponseAsync("hi").ToListAsync().AsTask());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(new FakeChatStats(Requests: 2, InFlight: 0, MaxInFlight: 1, Completed: 0, Aborted: 0, RateLimited: 1, Failed: 1), server.Stats);
    }

    [Fact]
    public async Task A_hung_request_the_client_gives_up_on_is_counted_as_aborted()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server);
        server.Inject(FakeFault.Hang);
        using var cancel = new CancellationTokenSource();

        var call = client.GetResponseAsync("hi", cancellationToken: cancel.Token);
        await Eventually.Returns(() => Task.FromResult(server.Stats), stats => stats.InFlight == 1, "the hung request to be in flight");
        Assert.False(call.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var stats = await Eventually.Returns(() => Task.FromResult(server.Stats), stats => stats.InFlight == 0, "the server to notice the client went away");
        Assert.Equal(new FakeChatStats(Requests: 1, InFlight: 0, MaxInFlight: 1, Completed: 0, Aborted: 1, RateLimited: 0, Failed: 0), stats);
    }

    [Fact]
    public async Task Most_in_flight_counts_concurrent_requests_exactly()
    {
        await using var server = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: 600_000));
        using var client = OpenAi(server);
        using var cancel = new CancellationTokenSource();

        var calls = Enumerable.Range(0, 5).Select(_ => client.GetResponseAsync("hi", cancellationToken: cancel.Token)).ToArray();
        await Eventually.Returns(() => Task.FromResult(server.Stats), stats => stats.InFlight == 5, "five requests held open by the latency");
        Assert.Equal(5, server.Stats.MaxInFlight);
        await cancel.CancelAsync();

        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        var stats = await Eventually.Returns(() => Task.FromResult(server.Stats), stats => stats.InFlight == 0, "all five to be seen as aborted");
        Assert.Equal(new FakeChatStats(Requests: 5, InFlight: 0, MaxInFlight: 5, Completed: 0, Aborted: 5, RateLimited: 0, Failed: 0), stats);
        server.ResetStats();
        Assert.Equal(new FakeChatStats(0, 0, 0, 0, 0, 0, 0), server.Stats);
    }

    [Fact]
    public async Task A_disconnect_mid_stream_delivers_the_first_half_then_breaks_the_connection()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var client = OpenAi(server);
        server.Inject(FakeFault.Disconnect);
        var received = new List<string>();

        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("one two three four five six"))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal("m says: one two ", string.Concat(received));
        Assert.Equal(1, server.Stats.Failed);
        Assert.Equal(0, server.Stats.Aborted);
    }

    [Fact]
    public async Task An_error_payload_is_a_200_without_choices_and_the_streaming_client_sees_an_empty_reply()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var client = OpenAi(server);
        server.Inject(FakeFault.ErrorPayload, count: 2);

        using var raw = await http.PostAsJsonAsync("v1/chat/completions", new { model = "m", messages = new[] { new { role = "user", content = "hi" } } });
        var streamed = await client.GetStreamingResponseAsync("hi").ToListAsync();

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        var body = JsonDocument.Parse(await raw.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("server_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.False(body.TryGetProperty("choices", out _));
        Assert.Equal("", streamed.ToChatResponse().Text);
        Assert.Equal(2, server.Stats.Failed);
    }

    [Fact]
    public async Task A_malformed_body_fails_both_clients_as_JSON_errors()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var openAi = OpenAi(server);
        using var ollama = Ollama(server);
        server.Inject(FakeFault.Malformed, count: 4);

        await Assert.ThrowsAnyAsync<JsonException>(() => openAi.GetResponseAsync("hi"));
        await Assert.ThrowsAnyAsync<JsonException>(() => openAi.GetStreamingResponseAsync("hi").ToListAsync().AsTask());
        await Assert.ThrowsAnyAsync<JsonException>(() => ollama.GetResponseAsync("hi"));
        await Assert.ThrowsAnyAsync<JsonException>(() => ollama.GetStreamingResponseAsync("hi").ToListAsync().AsTask());

        Assert.Equal(4, server.Stats.Failed);
    }

    [Fact]
    public async Task Latency_and_token_pace_hold_back_a_whole_reply()
    {
        // 4 tokens: the first after 300 ms, the other three 100 ms apart.
        await using var server = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: 300, TokensPerSecond: 10));
        using var client = OpenAi(server);
        var clock = Stopwatch.StartNew();

        var response = await client.GetResponseAsync("hi there");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(600), $"answered after {clock.ElapsedMilliseconds} ms");
        Assert.Equal("m says: hi there", response.Text);
    }

    [Fact]
    public async Task The_token_log_gives_each_streamed_chunk_its_send_time_under_the_messages_first_word()
    {
        // 5 chunks 50 ms apart; a whole (unstreamed) reply is not logged, and a stats reset empties the log.
        await using var server = await FakeChatServer.StartAsync(new FakeChatBehavior(TokensPerSecond: 20));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var client = OpenAi(server);
        var before = DateTimeOffset.UtcNow;

        await client.GetStreamingResponseAsync("tag-1 two three").ToListAsync();
        await client.GetResponseAsync("tag-2 not streamed");

        var log = await http.GetFromJsonAsync<JsonElement>("fake/tokens");
        var entry = Assert.Single(log.EnumerateArray());
        Assert.Equal("tag-1", entry.GetProperty("tag").GetString());
        var sentAt = entry.GetProperty("sentAt").EnumerateArray().Select(time => DateTimeOffset.UnixEpoch.AddTicks(time.GetInt64() * 10)).ToArray();
        Assert.Equal(5, sentAt.Length);
        Assert.True(sentAt[0] >= before && sentAt[^1] <= DateTimeOffset.UtcNow, $"{sentAt[0]:O} .. {sentAt[^1]:O} is not within the request");
        // Chunk i falls due 50 ms x i after the request came, which was after `before`.
        Assert.All(sentAt.Select((time, index) => (time, index)), chunk =>
            Assert.True(chunk.time >= before.AddMilliseconds(50 * chunk.index - 1), $"chunk {chunk.index} went at {chunk.time:O}, asked at {before:O}"));
        Assert.Equal(sentAt.Order(), sentAt);

        using var reset = await http.PostAsync("fake/stats/reset", null);
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("fake/tokens")).EnumerateArray());
    }

    [Fact]
    public async Task The_control_API_injects_faults_sets_behaviour_and_resets()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var client = OpenAi(server, "asked-for");

        using var unknown = await http.PostAsJsonAsync("fake/faults", new { fault = "gremlins" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        using var injected = await http.PostAsJsonAsync("fake/faults", new { fault = "rate-limited", count = 1, retryAfterSeconds = 4 });
        Assert.Equal(HttpStatusCode.NoContent, injected.StatusCode);
        var limited = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync("hi"));
        Assert.Equal(429, limited.Status);
        Assert.True(limited.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("4", retryAfter);

        using var paced = await http.PostAsJsonAsync("fake/behavior", new { latencyMs = 5, tokensPerSecond = 1000 });
        Assert.Equal(new FakeChatBehavior(5, 1000), await paced.Content.ReadFromJsonAsync<FakeChatBehavior>());
        Assert.Equal(new FakeChatBehavior(5, 1000), server.Behavior);
        Assert.Equal("asked-for says: hi", (await client.GetResponseAsync("hi")).Text);

        var stats = await http.GetFromJsonAsync<JsonElement>("fake/stats");
        Assert.Equal(
            """{"requests":2,"inFlight":0,"maxInFlight":1,"completed":1,"aborted":0,"rateLimited":1,"failed":0}""",
            stats.GetRawText());
        var models = await http.GetFromJsonAsync<JsonElement>("v1/models");
        Assert.Equal(["asked-for", "fake"], models.GetProperty("data").EnumerateArray().Select(model => model.GetProperty("id").GetString()));
        var tags = await http.GetFromJsonAsync<JsonElement>("api/tags");
        Assert.Equal(["asked-for", "fake"], tags.GetProperty("models").EnumerateArray().Select(model => model.GetProperty("name").GetString()));

        server.Inject(FakeFault.ServerError);
        using var reset = await http.PostAsync("fake/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(FakeChatBehavior.Default, server.Behavior);
        Assert.Equal(new FakeChatStats(0, 0, 0, 0, 0, 0, 0), server.Stats);
        Assert.Equal("asked-for says: hi", (await client.GetResponseAsync("hi")).Text);
    }

    [Fact]
    public async Task Ollama_native_stream_is_newline_delimited_json_ending_in_done_with_counts()
    {
        await using var server = await FakeChatServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await http.PostAsync("api/chat", new StringContent(
            """{"model":"llama3","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();

        Assert.Equal(["llama3 ", "says: ", "hi", ""], lines.Select(line => line.GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal([false, false, false, true], lines.Select(line => line.GetProperty("done").GetBoolean()));
        var last = lines[^1];
        Assert.Equal("stop", last.GetProperty("done_reason").GetString());
        Assert.Equal(3, last.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(3, last.GetProperty("eval_count").GetInt32());
    }

    private static IChatClient OpenAi(FakeChatServer server, string model = "m") =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions
        {
            Endpoint = server.OpenAiEndpoint,

            // The SDK retries 429s and 5xx by itself; these tests look at each answer the fake gives.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).GetChatClient(model).AsIChatClient();

    private static IChatClient Ollama(FakeChatServer server, string model = "llama") =>
        new OllamaApiClient(new HttpClient { BaseAddress = server.BaseAddress }, model);
}
