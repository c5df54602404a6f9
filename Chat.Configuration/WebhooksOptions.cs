using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>
/// Webhooks (section "Webhooks"): who is told when a message finishes, and how hard delivery tries. Each subscriber is a
/// section of its own, <c>Webhooks:&lt;name&gt;:Url</c> with an optional <c>Webhooks:&lt;name&gt;:Secret</c>; the other
/// keys are the settings below.
/// </summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Both hosts: host names and IP addresses (comma-separated) that a message's <c>callbackUrl</c> may reach although
    /// they are loopback, private or link-local; every other such address is refused, so a client cannot make the
    /// cluster call the services beside it.
    /// </summary>
    [HostList]
    public string? AllowedHosts { get; set; }

    /// <summary>Silo: signs the deliveries to each message's own <c>callbackUrl</c>; without it they go unsigned.</summary>
    public string? CallbackSecret { get; set; }

    /// <summary>Silo: attempts per subscriber and outcome before delivery is given up.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Silo: how long one delivery may take before it counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Silo: the wait after the first failure; it doubles after each one, up to <see cref="RetryMaxDelay"/>, less up to half at random.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Silo: how often a pending delivery's reminder fires, so the longest a delivery waits after the silo running it
    /// died (plus the time the cluster takes to declare it dead). Below a minute it also lowers Orleans' minimum
    /// reminder period for the silo.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RecoveryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Silo: the configured subscribers by name, read from the sections that have a <c>Url</c>.</summary>
    public Dictionary<string, WebhookSubscriber> Subscribers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Binds the options, subscribers included, and checks them when the host starts.</summary>
    public static OptionsBuilder<WebhooksOptions> Add(IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<WebhooksOptions>, WebhookSubscribersValidator>();
        return services.AddValidatedOptions<WebhooksOptions, WebhooksOptionsValidator>(Section)
            .Configure<IConfiguration>((options, configuration) => options.Subscribers = ReadSubscribers(configuration.GetSection(Section)));
    }

    private static Dictionary<string, WebhookSubscriber> ReadSubscribers(IConfigurationSection section) =>
        section.GetChildren()
            .Where(child => child["Url"] is not null)
            .ToDictionary(child => child.Key, child => new WebhookSubscriber(child["Url"]!, child["Secret"]), StringComparer.OrdinalIgnoreCase);
}

/// <summary>One configured subscriber: where it is, and the secret its deliveries are signed with (unsigned without one).</summary>
public sealed record WebhookSubscriber(string Url, string? Secret);

[OptionsValidator]
public sealed partial class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>;

/// <summary>Every subscriber needs an absolute http or https URL: a typo found at start-up, not at the first message.</summary>
public sealed class WebhookSubscribersValidator : IValidateOptions<WebhooksOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var failures = options.Subscribers
            .Where(subscriber => !CallbackAddresses.IsHttpUrl(subscriber.Value.Url, out _))
            .Select(subscriber => $"{WebhooksOptions.Section}:{subscriber.Key}:Url: '{subscriber.Value.Url}' is not an absolute http or https URL.")
            .ToList();
        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"{WebhooksOptions.Section}:RetryMaxDelay: must not be less than RetryBaseDelay.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
