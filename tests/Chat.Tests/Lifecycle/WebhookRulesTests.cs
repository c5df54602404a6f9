using System.Net;
using System.Text;
using Chat.Configuration;
using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Chat.Tests.Lifecycle.MessageLifecycleTests;

namespace Chat.Tests.Lifecycle;

/// <summary>The webhook rules without a cluster: which transitions hand a message over, the retry schedule, the signature and the address check.</summary>
public sealed class WebhookRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LifecyclePolicy Plain = new(MaxAttempts: 1, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 10);
    private static readonly LifecyclePolicy Subscribed = Plain with { Webhooks = true };
    private static readonly AttemptHolder Holder = new(Guid.NewGuid(), "worker-7", "127.0.0.1:11111", "S127.0.0.1:11111:1");

    [Fact]
    public void Every_ending_hands_the_message_to_its_webhooks_once_subscribers_are_configured()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;
        var queued = Run(Accept())!;

        Assert.True(MessageLifecycle.Apply(running, new Complete(1, "hi", T0), Subscribed).State!.Outbox.NotifyWebhooks);
        Assert.True(MessageLifecycle.Apply(running, new Fail(1, "boom", 0, T0), Subscribed).State!.Outbox.NotifyWebhooks);
        Assert.True(MessageLifecycle.Apply(queued, new Cancel(T0), Subscribed).State!.Outbox.NotifyWebhooks);
        // A failure that will be retried has not ended.
        Assert.False(MessageLifecycle.Apply(running, new Fail(1, "boom", 0, T0), Subscribed with { MaxAttempts = 2 }).State!.Outbox.NotifyWebhooks);
    }

    [Fact]
    public void Without_subscribers_only_a_message_with_a_callback_is_handed_over()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;
        var withCallback = running with { CallbackUrl = "https://hooks.example/1" };

        Assert.False(MessageLifecycle.Apply(running, new Complete(1, "hi", T0), Plain).State!.Outbox.NotifyWebhooks);
        Assert.True(MessageLifecycle.Apply(withCallback, new Complete(1, "hi", T0), Plain).State!.Outbox.NotifyWebhooks);
        Assert.Equal("https://hooks.example/1", MessageLifecycle.Apply(null, Accept() with { CallbackUrl = "https://hooks.example/1" }, Plain).State!.CallbackUrl);
    }

    [Fact]
    public void A_repeated_ending_does_not_hand_the_message_over_again()
    {
        var completed = Run(Accept(), ClaimEvent(Holder), new Complete(1, "hi", T0))!;

        var repeated = MessageLifecycle.Apply(completed, new Complete(1, "hi", T0), Subscribed);

        Assert.Equal(Verdict.Repeated, repeated.Verdict);
        Assert.True(repeated.State!.Outbox.IsEmpty);
    }

    [Fact]
    public void Failed_deliveries_back_off_exponentially_with_jitter_and_are_given_up_after_the_last_attempt()
    {
        var schedule = new WebhookSchedule(MaxAttempts: 3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));
        var target = new WebhookTarget("orders", null, 0, T0);

        var (first, afterFirst) = schedule.After(target, "answered 500", T0, jitter: 1.0);
        var (second, afterSecond) = schedule.After(afterFirst, "answered 500", T0, jitter: 0.0);
        var (third, afterThird) = schedule.After(afterSecond, "no answer", T0, jitter: 1.0);

        Assert.Equal((WebhookVerdict.Retry, 1, T0.AddSeconds(2)), (first, afterFirst.Attempts, afterFirst.NextAttemptAt));
        // 4 s capped at 3, then half of that with no jitter.
        Assert.Equal((WebhookVerdict.Retry, 2, T0.AddSeconds(1.5)), (second, afterSecond.Attempts, afterSecond.NextAttemptAt));
        Assert.Equal((WebhookVerdict.GiveUp, 3, "no answer"), (third, afterThird.Attempts, afterThird.LastError));
        Assert.Equal(WebhookVerdict.Delivered, schedule.After(afterSecond, null, T0, 0.5).Verdict);
    }

    [Fact]
    public void The_signature_is_the_hex_HMAC_SHA256_of_the_body()
    {
        // The example GitHub's documentation gives for its identical X-Hub-Signature-256.
        Assert.Equal(
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            WebhookSignature.Sign(Encoding.UTF8.GetBytes("Hello, World!"), "It's a Secret to Everybody"));
    }

    private static IOptions<WebhooksOptions> Resolve(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        WebhooksOptions.Add(services);
        return services.BuildServiceProvider().GetRequiredService<IOptions<WebhooksOptions>>();
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.8.9.10", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void Only_public_addresses_are_reachable_by_default(string address, bool reachable) =>
        Assert.Equal(reachable, CallbackAddresses.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public void Each_subscriber_is_a_section_with_a_url_and_the_other_keys_are_settings()
    {
        var options = Resolve(new()
        {
            ["Webhooks:orders:Url"] = "https://orders.example/hooks",
            ["Webhooks:orders:Secret"] = "s3cret",
            ["Webhooks:audit:Url"] = "http://10.0.0.9:8080/chat",
            ["Webhooks:MaxAttempts"] = "4",
            ["Webhooks:AllowedHosts"] = "hooks.internal",
        }).Value;

        Assert.Equal(
            [("audit", "http://10.0.0.9:8080/chat", (string?)null), ("orders", "https://orders.example/hooks", "s3cret")],
            options.Subscribers.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => (pair.Key, pair.Value.Url, pair.Value.Secret)));
        Assert.Equal(4, options.MaxAttempts);
    }

    [Fact]
    public void A_subscriber_url_or_allowed_host_that_cannot_be_used_stops_the_host_naming_its_key()
    {
        var options = Resolve(new()
        {
            ["Webhooks:orders:Url"] = "orders.example/hooks",
            ["Webhooks:AllowedHosts"] = "ok.example, bad host",
        });

        var error = Assert.Throws<OptionsValidationException>(() => options.Value);
        Assert.Contains("Webhooks:orders:Url: 'orders.example/hooks' is not an absolute http or https URL.", error.Failures);
        Assert.Contains(error.Failures, failure => failure.StartsWith("Webhooks:AllowedHosts:", StringComparison.Ordinal) && failure.Contains("'bad host'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_allowed_host_or_address_may_be_private()
    {
        var addresses = new CallbackAddresses(Microsoft.Extensions.Options.Options.Create(new WebhooksOptions { AllowedHosts = "Hooks.Internal., 10.0.0.5" }));

        Assert.Null(await addresses.CheckAsync("http://hooks.internal/x", CancellationToken.None));
        Assert.Null(await addresses.CheckAsync("http://10.0.0.5:8080/x", CancellationToken.None));
        Assert.Contains("10.0.0.6", await addresses.CheckAsync("http://10.0.0.6/x", CancellationToken.None), StringComparison.Ordinal);
        Assert.Equal([IPAddress.Parse("10.0.0.5")], await addresses.AddressesToConnectAsync("10.0.0.5", CancellationToken.None));
        Assert.Empty(await addresses.AddressesToConnectAsync("127.0.0.1", CancellationToken.None));
        // A name that resolves to nothing is refused too: its address cannot be checked.
        Assert.Equal(
            "The callbackUrl's host 'no-such-host.invalid' cannot be resolved.",
            await addresses.CheckAsync("https://no-such-host.invalid/hook", CancellationToken.None));
    }
}
