using System.Diagnostics.Metrics;
using Grains.Diagnostics;

namespace Grains.Webhooks;

/// <summary>Webhook deliveries on the silo's meter, labelled by target (a subscriber's name, or "callback").</summary>
public sealed class WebhookMetrics
{
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failedAttempts;
    private readonly Counter<long> _givenUp;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ChatMetrics.MeterName);
        _delivered = meter.CreateCounter<long>("chat_webhooks_delivered", "{delivery}", "Outcomes a webhook target answered with 2xx.");
        _failedAttempts = meter.CreateCounter<long>(
            "chat_webhooks_failed_attempts", "{attempt}", "Webhook attempts that met an error, a non-2xx answer or no answer in time.");
        _givenUp = meter.CreateCounter<long>("chat_webhooks_given_up", "{delivery}", "Outcomes a webhook target never took within Webhooks:MaxAttempts.");
    }

    public void Record(WebhookVerdict verdict, WebhookTarget target)
    {
        var label = new KeyValuePair<string, object?>("target", target.Name);
        if (verdict == WebhookVerdict.Delivered)
        {
            _delivered.Add(1, label);
            return;
        }

        _failedAttempts.Add(1, label);
        if (verdict == WebhookVerdict.GiveUp)
        {
            _givenUp.Add(1, label);
        }
    }
}
