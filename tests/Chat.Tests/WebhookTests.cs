using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Chat.Tests;

/// <summary>
/// Two silos with the scripted processor (a failure is final at once) and a webhook receiver on loopback, configured as
/// two subscribers: "orders", signed, which answers, and "silent", which never does. Callbacks may reach the receiver
/// by the name localhost, which the allow-list names, but not by its address. API keys are on: messages belong to the
/// tenant alice, stored under "alice:id", and shown to her, and posted, as "id".
/// </summary>
public sealed class WebhookClusterFixture : ChatClusterFixture
{
    public const string OrdersSecret = "orders-secret-for-tests";
    public const string CallbackSecret = "callback-secret-for-tests";
    public const string AliceKey = "alice-key-for-webhook-tests";

    private HttpClient? _alice;

    public WebhookReceiver Receiver { get; private set; } = null!;

    /// <summary>The frontend as the tenant alice calls it.</summary>
    public HttpClient Alice => _alice ??= new HttpClient
    {
        BaseAddress = Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AliceKey) },
    };

    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:TimeoutSeconds"] = "120",
        ["Processing:MaxAttempts"] = "1",
        ["Auth:Keys:alice"] = AliceKey,
        ["Webhooks:orders:Url"] = Receiver.Url("/orders"),
        ["Webhooks:orders:Secret"] = OrdersSecret,
        ["Webhooks:silent:Url"] = Receiver.Url(WebhookReceiver.SilentPath),
        ["Webhooks:CallbackSecret"] = CallbackSecret,
        ["Webhooks:AllowedHosts"] = "localhost",
        // Long enough that a silent subscriber's request is still open while the test looks.
        ["Webhooks:Timeout"] = "00:01:00",
        ["Webhooks:MaxAttempts"] = "5",
        ["Webhooks:RetryBaseDelay"] = "00:00:00.200",
        ["Webhooks:RetryMaxDelay"] = "00:00:01",
    };

    protected override async Task BeforeClusterStartsAsync() => Receiver = await WebhookReceiver.StartAsync();

    protected override async Task AfterClusterStopsAsync()
    {
        _alice?.Dispose();
        await Receiver.DisposeAsync();
    }
}

public sealed class WebhookTests(WebhookClusterFixture fixture) : IClassFixture<WebhookClusterFixture>
{
    private const string Orders = "/orders";
    private const string Callback = "/callback";

    private HttpClient Alice => fixture.Alice;

    private WebhookReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task A_finished_message_is_posted_to_each_subscriber_signed_with_its_secret_and_the_body_GET_result_answers()
    {
        var script = new ProcessorScript();
        var id = NewId("signed");
        await SubmitAsync(new { message = script.Echo("sign this"), id });

        var delivery = await Receiver.WaitForDelivered(Orders, id);
        Assert.Equal(Sign(delivery.Body, WebhookClusterFixture.OrdersSecret), delivery.Header("X-Signature-256"));
        Assert.Equal("message.completed", delivery.Header("X-Webhook-Event"));
        Assert.Equal("application/json; charset=utf-8", delivery.Header("Content-Type"));
        Assert.Matches("^[0-9a-f]{32}$", delivery.Header("X-Webhook-Id"));
        await AssertBodyIsResultAsync(id, delivery.Body);
        Assert.Equal("completed", JsonNode.Parse(delivery.Body)!["status"]!.GetValue<string>());
        // The id the tenant chose, not the key it is stored under.
        Assert.Equal(id, JsonNode.Parse(delivery.Body)!["id"]!.GetValue<string>());
        Assert.Single(Receiver.Received(Orders, id));
    }

    [Fact]
    public async Task A_delivery_the_receiver_fails_is_made_again_with_the_same_id_and_body_until_it_is_taken()
    {
        var script = new ProcessorScript();
        var id = NewId("redelivered");
        Receiver.FailFirst(id, 2);
        await SubmitAsync(new { message = script.Echo("retry me"), id });

        await Receiver.WaitForDelivered(Orders, id);
        var attempts = Receiver.Received(Orders, id);
        Assert.Equal([500, 500, 200], attempts.Select(attempt => attempt.Answered));
        Assert.Equal(["1", "2", "3"], attempts.Select(attempt => attempt.Header("X-Webhook-Attempt")));
        Assert.Single(attempts.Select(attempt => attempt.Header("X-Webhook-Id")).Distinct());
        Assert.Single(attempts.Select(attempt => attempt.Body).Distinct());
        Assert.All(attempts, attempt => Assert.Equal(Sign(attempt.Body, WebhookClusterFixture.OrdersSecret), attempt.Header("X-Signature-256")));
        await AssertBodyIsResultAsync(id, attempts[^1].Body);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_the_delivery_is_made_again_to_the_subscriber()
    {
        var script = new ProcessorScript();
        var id = NewId("redirected");
        const string elsewhere = "/elsewhere";
        Receiver.RedirectFirst(id, Receiver.Url(elsewhere));
        await SubmitAsync(new { message = script.Echo("do not follow"), id });

        await Receiver.WaitForDelivered(Orders, id);
        Assert.Equal([307, 200], Receiver.Received(Orders, id).Select(attempt => attempt.Answered));
        Assert.Empty(Receiver.Received(elsewhere, id));
    }

    [Fact]
    public async Task Failed_and_cancelled_messages_are_delivered_with_their_outcome()
    {
        var script = new ProcessorScript();
        var failed = NewId("failed");
        var cancelled = NewId("cancelled");
        await SubmitAsync(new { message = script.Fail(1, "fails once, and once is final"), id = failed });
        var hanging = script.Hang("cancel me");
        await SubmitAsync(new { message = hanging, id = cancelled });
        await script.WaitUntilRunning(hanging);
        using (var cancel = await Alice.DeleteAsync($"/chat/{cancelled}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var failure = await Receiver.WaitForDelivered(Orders, failed);
        Assert.Equal("message.failed", failure.Header("X-Webhook-Event"));
        Assert.Equal("failed", JsonNode.Parse(failure.Body)!["status"]!.GetValue<string>());
        Assert.Contains("scripted failure 1 of 1", JsonNode.Parse(failure.Body)!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        await AssertBodyIsResultAsync(failed, failure.Body);

        var cancellation = await Receiver.WaitForDelivered(Orders, cancelled);
        Assert.Equal("message.cancelled", cancellation.Header("X-Webhook-Event"));
        Assert.Equal("cancelled", JsonNode.Parse(cancellation.Body)!["status"]!.GetValue<string>());
        await AssertBodyIsResultAsync(cancelled, cancellation.Body);
    }

    [Fact]
    public async Task A_callback_url_is_refused_for_loopback_private_and_link_local_addresses_unless_its_host_is_allowed()
    {
        var script = new ProcessorScript();
        string[] refused =
        [
            Receiver.Url(Callback),
            Receiver.Url(Callback, "[::1]"),
            "http://10.1.2.3/hook",
            "http://192.168.0.10:8080/hook",
            "https://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "ftp://localhost/hook",
            "http://user:secret@localhost/hook",
            "/relative/hook",
        ];
        foreach (var url in refused)
        {
            using var response = await Alice.PostAsJsonAsync("/chat", new { message = script.Echo("refused"), callbackUrl = url });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {response.StatusCode}");
            Assert.Equal(["callbackUrl"], (await ChatApi.Json(response)).GetProperty("errors").EnumerateObject().Select(error => error.Name));
        }

        // A batch refuses the item, and takes the others.
        var allowedInBatch = NewId("batch-ok");
        using (var batch = await Alice.PostAsJsonAsync("/chat/batch", new
        {
            messages = new object[]
            {
                new { message = script.Echo("batch refused"), callbackUrl = Receiver.Url(Callback) },
                new { message = script.Echo("batch accepted"), id = allowedInBatch, callbackUrl = Receiver.Url(Callback, "localhost") },
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
            var items = (await ChatApi.Json(batch)).GetProperty("items");
            Assert.Equal(["callbackUrl"], items[0].GetProperty("problem").GetProperty("errors").EnumerateObject().Select(error => error.Name));
            Assert.Equal("queued", items[1].GetProperty("status").GetString());
        }

        // The receiver by a name Webhooks:AllowedHosts lists: accepted, and told, signed with the callback secret.
        var id = NewId("callback");
        await SubmitAsync(new { message = script.Echo("call me back"), id, callbackUrl = Receiver.Url(Callback, "localhost") });
        foreach (var messageId in new[] { id, allowedInBatch })
        {
            var delivery = await Receiver.WaitForDelivered(Callback, messageId);
            Assert.Equal(Sign(delivery.Body, WebhookClusterFixture.CallbackSecret), delivery.Header("X-Signature-256"));
            await AssertBodyIsResultAsync(messageId, delivery.Body);
            // The configured subscribers hear of it as well, under the same delivery id.
            Assert.Equal(delivery.Header("X-Webhook-Id"), (await Receiver.WaitForDelivered(Orders, messageId)).Header("X-Webhook-Id"));
        }
    }

    [Fact]
    public async Task A_conversation_message_with_a_callback_url_is_delivered_there_and_a_refused_one_is_not_posted()
    {
        var script = new ProcessorScript();
        using var created = await Alice.PostAsJsonAsync("/conversations", new { });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conversation = (await ChatApi.Json(created)).GetProperty("id").GetString();

        using (var refused = await Alice.PostAsJsonAsync(
            $"/conversations/{conversation}/messages", new { message = script.Echo("refused turn"), callbackUrl = Receiver.Url(Callback) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal(["callbackUrl"], (await ChatApi.Json(refused)).GetProperty("errors").EnumerateObject().Select(error => error.Name));
        }

        var id = NewId("turn");
        using (var posted = await Alice.PostAsJsonAsync(
            $"/conversations/{conversation}/messages", new { message = script.Echo("a turn, called back"), id, callbackUrl = Receiver.Url(Callback, "localhost") }))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var delivery = await Receiver.WaitForDelivered(Callback, id);
        Assert.Equal(Sign(delivery.Body, WebhookClusterFixture.CallbackSecret), delivery.Header("X-Signature-256"));
        await AssertBodyIsResultAsync(id, delivery.Body);
        using var read = await Alice.GetAsync($"/conversations/{conversation}");
        Assert.Equal([id], (await ChatApi.Json(read)).GetProperty("messages").EnumerateArray().Select(message => message.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_subscriber_that_never_answers_holds_up_neither_the_message_nor_the_other_subscribers()
    {
        var script = new ProcessorScript();
        var id = NewId("silent");
        await SubmitAsync(new { message = script.Echo("nobody waits"), id });

        var open = (await Receiver.WaitFor(WebhookReceiver.SilentPath, id, requests => requests.Count == 1, "the silent subscriber to be sent the outcome"))[0];
        await Receiver.WaitForDelivered(Orders, id);
        // The message's grain answers at once, well within the minute the silent request may take.
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var response = await Alice.GetAsync($"/result/{id}", reading.Token);
        Assert.Equal("completed", (await ChatApi.Json(response)).GetProperty("status").GetString());
        Assert.False(open.Ended, "the silent subscriber's request ended");
    }

    private async Task SubmitAsync(object body)
    {
        using var response = await Alice.PostAsJsonAsync("/chat", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task AssertBodyIsResultAsync(string id, string body)
    {
        using var response = await new ChatApi(Alice).GetResult(id);
        var result = await response.Content.ReadAsStringAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(result), JsonNode.Parse(body)), $"webhook body {body}\nGET /result/{id} {result}");
    }

    private static string Sign(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

/// <summary>Durable mode: three silos on a private redis-server, one subscriber that fails until told otherwise.</summary>
public sealed class DurableWebhookCluster(RedisServer redis, WebhookReceiver receiver) : ChatClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Cluster:Provider"] = "Redis",
        ["Redis:ConnectionString"] = redis.ConnectionString,
        ["Webhooks:orders:Url"] = receiver.Url("/orders"),
        ["Webhooks:orders:Secret"] = WebhookClusterFixture.OrdersSecret,
        ["Webhooks:MaxAttempts"] = "100",
        ["Webhooks:RetryBaseDelay"] = "00:00:00.200",
        ["Webhooks:RetryMaxDelay"] = "00:00:00.500",
        // The reminder that hands a dead silo's delivery to a survivor, every 5 s rather than every minute.
        ["Webhooks:RecoveryPeriod"] = "00:00:05",
    };
}

public sealed class WebhookFailoverTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_delivery_pending_on_a_silo_that_is_killed_is_made_from_a_survivor()
    {
        var cluster = new DurableWebhookCluster(_redis, _receiver);
        await cluster.InitializeAsync();
        try
        {
            var id = $"failover-{Guid.NewGuid():N}";
            _receiver.FailFirst(id, int.MaxValue);
            using (var submitted = await cluster.Api.Submit("tell the shop", id))
            {
                Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
            }

            await _receiver.WaitFor("/orders", id, requests => requests.Count(request => request.Answered == 500) >= 2, "two failed deliveries");

            // The silo running the delivery dies outright, with the delivery still pending.
            var grains = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IGrainFactory>();
            var management = grains.GetGrain<IManagementGrain>(0);
            var type = grains.GetGrain<IWebhookDeliveryGrain>("probe").GetGrainId().Type;
            var delivery = (await management.GetActiveGrains(type)).Single(grain => grain.Key.ToString()!.StartsWith($"{id}@", StringComparison.Ordinal));
            var host = await management.GetActivationAddress(grains.GetGrain<IWebhookDeliveryGrain>(delivery.Key.ToString()!));
            var victim = cluster.Cluster.Silos.Single(silo => silo.SiloAddress.Equals(host));
            await cluster.Cluster.KillSiloAsync(victim);
            var beforeKill = _receiver.Received("/orders", id).Count;
            _receiver.FailFirst(id, 0);

            // Nobody touches the message: the reminder wakes the delivery on a survivor, which goes on where it stopped.
            var delivered = await _receiver.WaitFor(
                "/orders", id, requests => requests.Any(request => request.Answered == 200), "the delivery to be made from a surviving silo", TimeSpan.FromMinutes(4));
            var attempts = delivered.ToList();
            Assert.True(attempts.Count > beforeKill);
            Assert.Single(attempts.Select(attempt => attempt.Header("X-Webhook-Id")).Distinct());
            Assert.Single(attempts.Select(attempt => attempt.Body).Distinct());
            Assert.Equal("completed", System.Text.Json.Nodes.JsonNode.Parse(attempts[^1].Body)!["status"]!.GetValue<string>());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
