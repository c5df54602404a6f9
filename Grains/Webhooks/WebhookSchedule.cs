namespace Grains.Webhooks;

/// <summary>What becomes of a target after an attempt.</summary>
public enum WebhookVerdict
{
    Delivered,
    Retry,
    GiveUp,
}

/// <summary>
/// When a webhook target is tried again, and when it is given up: exponential backoff with jitter, bounded attempts.
/// Pure, so the rule is tested without a cluster or a clock.
/// </summary>
public sealed record WebhookSchedule(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>
    /// The target after an attempt made at <paramref name="now"/>: delivered, retried after base × 2^(n-1) capped at
    /// the maximum and then 50–100% of that as <paramref name="jitter"/> (0..1) says, or given up once every attempt
    /// is spent.
    /// </summary>
    public (WebhookVerdict Verdict, WebhookTarget Target) After(WebhookTarget target, string? error, DateTimeOffset now, double jitter)
    {
        var attempted = target with { Attempts = target.Attempts + 1, LastError = error };
        if (error is null)
        {
            return (WebhookVerdict.Delivered, attempted);
        }

        return attempted.Attempts >= MaxAttempts
            ? (WebhookVerdict.GiveUp, attempted)
            : (WebhookVerdict.Retry, attempted with { NextAttemptAt = now + Backoff(attempted.Attempts, jitter) });
    }

    public TimeSpan Backoff(int failedAttempts, double jitter)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failedAttempts - 1)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Math.Clamp(jitter, 0, 1) / 2)));
    }
}
