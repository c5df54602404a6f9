using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;

namespace Chat.Tests;

/// <summary>
/// Two silos with API keys on: two tenants, alice and bob, and an admin key, ops. The scripted processor and one
/// attempt per message, so a message made to fail is a dead letter at once.
/// </summary>
public sealed class KeysClusterFixture : ChatClusterFixture
{
    public const string Alice = "alice-secret-0123456789abcdef";
    public const string Bob = "bob-secret-0123456789abcdef";
    public const string Ops = "ops-secret-0123456789abcdef";
    public const string PublicHost = "chat.example.com";

    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:MaxAttempts"] = "1",
        ["Auth:Keys:alice"] = Alice,
        ["Auth:Keys:bob"] = Bob,
        ["Auth:Keys:ops"] = Ops,
        ["Auth:AdminKeys"] = "ops",
        ["Auth:PublicHost"] = PublicHost,
    };

    /// <summary>A client that sends <paramref name="secret"/> as its bearer key; null for none. The caller disposes it.</summary>
    public HttpClient As(string? secret)
    {
        var client = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        return client;
    }
}

public sealed class AuthTests(KeysClusterFixture fixture) : IClassFixture<KeysClusterFixture>, IDisposable
{
    // "/docs/", not "/docs": a client does not repeat its Authorization header after a redirect.
    private static readonly string[] KeyedReads = ["/result/any-id", "/results?status=failed", "/openapi/v1.json", "/docs/", "/no-such-path"];

    private readonly HttpClient _anonymous = fixture.As(null);
    private readonly HttpClient _alice = fixture.As(KeysClusterFixture.Alice);
    private readonly HttpClient _bob = fixture.As(KeysClusterFixture.Bob);
    private readonly HttpClient _ops = fixture.As(KeysClusterFixture.Ops);

    private HttpClient Alice => _alice;

    private HttpClient Bob => _bob;

    private HttpClient Ops => _ops;

    public void Dispose()
    {
        _anonymous.Dispose();
        _alice.Dispose();
        _bob.Dispose();
        _ops.Dispose();
    }

    [Fact]
    public async Task Without_a_key_every_endpoint_but_the_probes_and_the_page_answers_401_with_a_bearer_challenge()
    {
        foreach (var path in KeyedReads.Concat(["/cluster", "/backends", "/metrics", "/dashboard"]))
        {
            using var response = await _anonymous.GetAsync(path);
            await AssertUnauthorized(response, path, "Bearer");
        }

        await AssertEveryWriteIsRefusedAndChangesNothing(_anonymous, "without a key");

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/", "/index.html", "/app.js" })
        {
            using var response = await _anonymous.GetAsync(path);
            Assert.True(HttpStatusCode.OK == response.StatusCode, $"GET {path} answered {(int)response.StatusCode} without a key");
        }
    }

    [Fact]
    public async Task A_wrong_key_answers_401_that_never_echoes_it_and_a_right_one_is_let_in()
    {
        const string wrong = "not-a-key-of-this-cluster-0123456789";
        foreach (var header in new[] { $"Bearer {wrong}", $"Bearer {KeysClusterFixture.Alice}x", "Token abc", $"Basic {Basic(KeysClusterFixture.Alice)}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/result/any-id");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            using var response = await _anonymous.SendAsync(request);

            await AssertUnauthorized(response, header, "Bearer");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(wrong, body, StringComparison.Ordinal);
            Assert.DoesNotContain(KeysClusterFixture.Alice, body, StringComparison.Ordinal);
        }

        using (var wrongKey = fixture.As(wrong))
        {
            await AssertEveryWriteIsRefusedAndChangesNothing(wrongKey, "with a wrong key");
        }

        foreach (var path in KeyedReads)
        {
            using var response = await Alice.GetAsync(path);
            Assert.True(
                response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound,
                $"GET {path} with alice's key answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Another_key_s_message_is_not_found_on_every_endpoint()
    {
        var script = new ProcessorScript();
        var id = $"owned-{Guid.NewGuid():N}";
        using (var submitted = await Alice.PostAsJsonAsync("/chat", new { message = script.Fail(5, "alice's"), id }))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            Assert.Equal($"/result/{id}", submitted.Headers.Location?.OriginalString);
        }

        var failed = await WaitForStatus(Alice, id, "failed");
        Assert.Equal(id, failed.GetProperty("id").GetString());

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"/result/{id}"),
            (HttpMethod.Head, $"/result/{id}"),
            (HttpMethod.Get, $"/result/{id}/events"),
            (HttpMethod.Post, $"/result/{id}/retry"),
            (HttpMethod.Delete, $"/chat/{id}"),
        })
        {
            using var response = await Bob.SendAsync(new HttpRequestMessage(method, path));
            Assert.True(HttpStatusCode.NotFound == response.StatusCode, $"{method} {path} with bob's key answered {(int)response.StatusCode}");
        }

        // Bob's attempts changed nothing: alice's message is still failed, on its first attempt.
        var after = await Result(Alice, id);
        Assert.Equal("failed", after.GetProperty("status").GetString());
        Assert.Equal(1, after.GetProperty("attempts").GetInt32());
        using (var events = await Alice.GetAsync($"/result/{id}/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        }

        // A qualified id is for admins only: to a tenant it is not an id at all.
        using var qualified = await Bob.GetAsync($"/result/alice:{id}");
        Assert.Equal(HttpStatusCode.BadRequest, qualified.StatusCode);
    }

    [Fact]
    public async Task Another_key_s_conversation_is_not_found_on_every_endpoint()
    {
        var script = new ProcessorScript();
        using var created = await Alice.PostAsJsonAsync("/conversations", new { system = "be brief" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ReadJson(created)).GetProperty("id").GetString()!;
        var messageId = $"turn-{Guid.NewGuid():N}";
        using (var posted = await Alice.PostAsJsonAsync($"/conversations/{id}/messages", new { message = script.Echo("alice's turn"), id = messageId }))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            var accepted = await ReadJson(posted);
            Assert.Equal((messageId, id), (accepted.GetProperty("id").GetString(), accepted.GetProperty("conversationId").GetString()));
        }

        var result = await WaitForStatus(Alice, messageId, "completed");
        Assert.Equal(id, result.GetProperty("conversationId").GetString());

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"/conversations/{id}", null),
            (HttpMethod.Head, $"/conversations/{id}", null),
            (HttpMethod.Get, $"/conversations/{id}/events", null),
            (HttpMethod.Post, $"/conversations/{id}/messages", new { message = script.Echo("bob's turn") }),
            (HttpMethod.Delete, $"/conversations/{id}", null),
            (HttpMethod.Get, $"/result/{messageId}", null),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await Bob.SendAsync(request);
            Assert.True(HttpStatusCode.NotFound == response.StatusCode, $"{method} {path} with bob's key answered {(int)response.StatusCode}");
        }

        // Still alice's, with only her message, under the ids she knows; the admin sees it by its qualified id.
        using (var read = await Alice.GetAsync($"/conversations/{id}"))
        {
            var conversation = await ReadJson(read);
            Assert.Equal(id, conversation.GetProperty("id").GetString());
            Assert.Equal([messageId], conversation.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("id").GetString()));
        }

        using (var admin = await Ops.GetAsync($"/conversations/alice:{id}"))
        {
            var conversation = await ReadJson(admin);
            Assert.Equal($"alice:{id}", conversation.GetProperty("id").GetString());
            Assert.Equal([$"alice:{messageId}"], conversation.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("id").GetString()));
        }

        using var deleted = await Alice.DeleteAsync($"/conversations/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Dead_letters_are_listed_to_their_own_key_and_all_of_them_to_an_admin()
    {
        var script = new ProcessorScript();
        var aliceId = $"dead-a-{Guid.NewGuid():N}";
        var bobId = $"dead-b-{Guid.NewGuid():N}";
        await Submit(Alice, aliceId, script.Fail(5, "alice's"));
        await Submit(Bob, bobId, script.Fail(5, "bob's"));
        await WaitForStatus(Alice, aliceId, "failed");
        await WaitForStatus(Bob, bobId, "failed");

        var alices = await FailedIds(Alice);
        var bobs = await FailedIds(Bob);
        var all = await FailedIds(Ops);

        Assert.Contains(aliceId, alices);
        Assert.DoesNotContain(bobId, alices);
        Assert.All(alices, listed => Assert.DoesNotContain(':', listed));
        Assert.Contains(bobId, bobs);
        Assert.DoesNotContain(aliceId, bobs);
        Assert.Contains($"alice:{aliceId}", all);
        Assert.Contains($"bob:{bobId}", all);

        // Each tenant's total counts its own only, so its pages end where its list ends.
        using var page = await Alice.GetAsync("/results?status=failed&pageSize=200");
        var body = await ReadJson(page);
        Assert.Equal(alices.Count, body.GetProperty("total").GetInt32());

        // The admin reaches another tenant's message by the id it was listed under.
        var seen = await Result(Ops, $"alice:{aliceId}");
        Assert.Equal($"alice:{aliceId}", seen.GetProperty("id").GetString());
        using var retried = await Ops.PostAsync($"/result/alice:{aliceId}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var queued = await ReadJson(retried);
        Assert.Equal($"alice:{aliceId}", queued.GetProperty("id").GetString());
        Assert.Equal("queued", queued.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Two_keys_may_both_use_one_id_each_for_its_own_message()
    {
        var id = $"order-42-{Guid.NewGuid():N}";
        await Submit(Alice, id, "alice's order");
        await Submit(Bob, id, "bob's order");

        Assert.Equal("alice's order", (await WaitForStatus(Alice, id, "completed")).GetProperty("result").GetString());
        Assert.Equal("bob's order", (await WaitForStatus(Bob, id, "completed")).GetProperty("result").GetString());

        // Each key's repeat is its own message again (200), and the other's text under the same id is a conflict.
        using (var repeat = await Bob.PostAsJsonAsync("/chat", new { message = "bob's order", id }))
        {
            Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
            Assert.Equal(id, (await ReadJson(repeat)).GetProperty("id").GetString());
        }

        using (var other = await Bob.PostAsJsonAsync("/chat", new { message = "alice's order", id }))
        {
            Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        }

        // In a batch too: alice's batch item under the id is her message, not bob's.
        var batchId = $"order-43-{Guid.NewGuid():N}";
        await Submit(Bob, batchId, "bob's batch order");
        using var batch = await Alice.PostAsJsonAsync("/chat/batch", new { messages = new object[] { new { message = "alice's batch order", id = batchId }, new { message = "alice's order", id } } });
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        var items = (await ReadJson(batch)).GetProperty("items");
        Assert.Equal(batchId, items[0].GetProperty("id").GetString());
        Assert.Equal("queued", items[0].GetProperty("status").GetString());
        Assert.Equal(id, items[1].GetProperty("id").GetString());
        Assert.False(items[1].TryGetProperty("problem", out _), $"alice's repeat of her own message got {items[1]}");
        Assert.Equal("alice's batch order", (await WaitForStatus(Alice, batchId, "completed")).GetProperty("result").GetString());
        Assert.Equal("bob's batch order", (await WaitForStatus(Bob, batchId, "completed")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task Only_an_admin_key_reaches_the_cluster_the_backends_figures_the_metrics_and_the_dashboard()
    {
        // Any key may list the backends to choose one; their cap, load and totals are an admin's.
        using var tenantList = await Alice.GetAsync("/backends");
        using var adminList = await Ops.GetAsync("/backends");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (tenantList.StatusCode, adminList.StatusCode));
        var tenantView = (await ReadJson(tenantList)).EnumerateArray().ToArray();
        var adminView = (await ReadJson(adminList)).EnumerateArray().ToArray();
        Assert.Equal(
            adminView.Select(backend => (backend.GetProperty("name").GetString(), backend.GetProperty("isDefault").GetBoolean())),
            tenantView.Select(backend => (backend.GetProperty("name").GetString(), backend.GetProperty("isDefault").GetBoolean())));
        Assert.NotEmpty(tenantView);
        foreach (var figure in new[] { "maxConcurrency", "inFlight", "queued", "completed", "failed", "rateLimited", "inputTokens", "outputTokens" })
        {
            Assert.All(tenantView, backend => Assert.Equal(JsonValueKind.Null, backend.GetProperty(figure).ValueKind));
            Assert.All(adminView, backend => Assert.Equal(JsonValueKind.Number, backend.GetProperty(figure).ValueKind));
        }

        foreach (var path in new[] { "/cluster", "/metrics", "/dashboard/" })
        {
            using var tenant = await Alice.GetAsync(path);
            Assert.True(HttpStatusCode.Forbidden == tenant.StatusCode, $"GET {path} with alice's key answered {(int)tenant.StatusCode}");
            Assert.Equal("application/problem+json", tenant.Content.Headers.ContentType?.MediaType);

            using var admin = await Ops.GetAsync(path);
            Assert.True(HttpStatusCode.OK == admin.StatusCode, $"GET {path} with the admin key answered {(int)admin.StatusCode}");
        }

        using var events = await Alice.GetAsync("/cluster/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, events.StatusCode);

        // The dashboard's log stream: an admin's only.
        using (var tenantTrace = await Alice.GetAsync("/dashboard/Trace", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.Forbidden, tenantTrace.StatusCode);
        }

        using var adminTrace = await Ops.GetAsync("/dashboard/Trace", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, adminTrace.StatusCode);
    }

    [Fact]
    public async Task An_event_stream_client_is_refused_with_a_problem_too_not_a_server_error()
    {
        // What an EventSource sends: it accepts nothing but an event stream.
        foreach (var (client, path, expected) in new[]
        {
            (_anonymous, "/result/anything/events", HttpStatusCode.Unauthorized),
            (_anonymous, "/conversations/anything/events", HttpStatusCode.Unauthorized),
            (Alice, "/cluster/events", HttpStatusCode.Forbidden),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Accept", "text/event-stream" } } };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(expected == response.StatusCode, $"GET {path} answered {(int)response.StatusCode}, not {(int)expected}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal((int)expected, (await ReadJson(response)).GetProperty("status").GetInt32());
        }

        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, "/chat")
        {
            Headers = { { "Accept", "text/event-stream" }, { "Sec-Fetch-Site", "cross-site" } },
            Content = new StringContent("""{"message":"hi"}""", Encoding.UTF8, "application/json"),
        };
        using var refused = await _anonymous.SendAsync(crossOrigin);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_browser_opens_the_dashboard_with_the_admin_key_as_its_password()
    {
        using var challenge = await _anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Contains(challenge.Headers.WwwAuthenticate, value => value.Scheme == "Basic");

        // A browser repeats the password after /dashboard's redirect to /dashboard/; HttpClient does not.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic(KeysClusterFixture.Ops));
        using var response = await _anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Elsewhere a password a browser would repeat on its own is not taken.
        using var api = new HttpRequestMessage(HttpMethod.Get, "/cluster");
        api.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic(KeysClusterFixture.Ops));
        using var refused = await _anonymous.SendAsync(api);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain(refused.Headers.WwwAuthenticate, value => value.Scheme == "Basic");
    }

    [Fact]
    public async Task Only_the_loopback_names_and_the_public_host_are_answered()
    {
        foreach (var (host, expected) in new[]
        {
            ($"localhost:{fixture.Http.BaseAddress!.Port}", HttpStatusCode.OK),
            (KeysClusterFixture.PublicHost, HttpStatusCode.OK),
            ("rebound.attacker.example", HttpStatusCode.BadRequest),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
            request.Headers.Host = host;
            using var response = await _anonymous.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"Host: {host} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>
    /// Every endpoint that submits, cancels, retries, or makes, reads or changes a conversation answers
    /// <paramref name="client"/> 401 with a bearer challenge, and alice's messages and conversation, which each request
    /// names, are as they were: nothing submitted, her running message not cancelled, her failed one not retried, her
    /// conversation neither posted to nor deleted.
    /// </summary>
    private async Task AssertEveryWriteIsRefusedAndChangesNothing(HttpClient client, string how)
    {
        var script = new ProcessorScript();
        var held = $"held-{Guid.NewGuid():N}";
        var heldText = script.Hold("alice's running message");
        var failed = $"failed-{Guid.NewGuid():N}";
        await Submit(Alice, held, heldText);
        await Submit(Alice, failed, script.Fail(5, "alice's failed message"));
        try
        {
            await script.WaitUntilRunning(heldText);
            await WaitForStatus(Alice, failed, "failed");
            using var created = await Alice.PostAsJsonAsync("/conversations", new { system = "be brief" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var conversation = (await ReadJson(created)).GetProperty("id").GetString()!;

            var submitted = $"submitted-{Guid.NewGuid():N}";
            var batched = new[] { $"batched-{Guid.NewGuid():N}", $"batched-{Guid.NewGuid():N}" };
            var turn = $"turn-{Guid.NewGuid():N}";
            foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
            {
                (HttpMethod.Post, "/chat", new { message = script.Echo("nobody's message"), id = submitted }),
                (HttpMethod.Post, "/chat/batch", new { messages = batched.Select(id => new { message = script.Echo("nobody's batch"), id }).ToArray() }),
                (HttpMethod.Delete, $"/chat/{held}", null),
                (HttpMethod.Post, $"/result/{failed}/retry", null),
                (HttpMethod.Post, "/conversations", new { system = "nobody's conversation" }),
                (HttpMethod.Get, $"/conversations/{conversation}", null),
                (HttpMethod.Head, $"/conversations/{conversation}", null),
                (HttpMethod.Get, $"/conversations/{conversation}/events", null),
                (HttpMethod.Post, $"/conversations/{conversation}/messages", new { message = script.Echo("nobody's turn"), id = turn }),
                (HttpMethod.Delete, $"/conversations/{conversation}", null),
            })
            {
                using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (method == HttpMethod.Head)
                {
                    // A HEAD answer has no body to hold the problem.
                    Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"HEAD {path} {how} answered {(int)response.StatusCode}, not 401");
                    Assert.Contains(response.Headers.WwwAuthenticate, value => value.Scheme == "Bearer");
                }
                else
                {
                    await AssertUnauthorized(response, $"{method} {path} {how}", "Bearer");
                }
            }

            // Nothing submitted, under alice's tenant or under none (where a request let in without a key would put it).
            foreach (var id in batched.Append(submitted).Append(turn))
            {
                using var read = await Alice.GetAsync($"/result/{id}");
                Assert.True(HttpStatusCode.NotFound == read.StatusCode, $"/result/{id} answered {(int)read.StatusCode} after the requests {how}");
                Assert.Null(await fixture.Cluster.Client.GetGrain<IChatResultGrain>(id).Get());
            }

            // Alice's conversation is there, with no message; her failed message was not retried, her running one not cancelled.
            using (var read = await Alice.GetAsync($"/conversations/{conversation}"))
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                Assert.Equal(0, (await ReadJson(read)).GetProperty("messages").GetArrayLength());
            }

            var after = await Result(Alice, failed);
            Assert.Equal(("failed", 1), (after.GetProperty("status").GetString(), after.GetProperty("attempts").GetInt32()));
            Assert.Equal("processing", (await Result(Alice, held)).GetProperty("status").GetString());
            Assert.Empty(script.Trace(heldText).Cancellations);
            script.Release(heldText);
            Assert.Equal(heldText, (await WaitForStatus(Alice, held, "completed")).GetProperty("result").GetString());

            using var deleted = await Alice.DeleteAsync($"/conversations/{conversation}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        finally
        {
            script.Release(heldText);
        }
    }

    private static async Task AssertUnauthorized(HttpResponseMessage response, string what, string scheme)
    {
        Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{what} answered {(int)response.StatusCode}, not 401");
        Assert.Contains(response.Headers.WwwAuthenticate, value => value.Scheme == scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await ReadJson(response)).GetProperty("status").GetInt32());
    }

    private static string Basic(string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"browser:{password}"));

    private static async Task Submit(HttpClient client, string id, string message)
    {
        using var response = await client.PostAsJsonAsync("/chat", new { message, id });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<JsonElement> Result(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/result/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJson(response);
    }

    private static Task<JsonElement> WaitForStatus(HttpClient client, string id, string status) =>
        Eventually.Returns(() => Result(client, id), result => result.GetProperty("status").GetString() == status, $"message {id} to be {status}");

    private static async Task<List<string>> FailedIds(HttpClient client)
    {
        using var response = await client.GetAsync("/results?status=failed&pageSize=200");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJson(response)).GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!).ToList();
    }

    private static async Task<JsonElement> ReadJson(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
}
