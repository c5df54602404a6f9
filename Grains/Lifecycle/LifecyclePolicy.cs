namespace Grains.Lifecycle;

/// <summary>
/// The limits the lifecycle applies: attempts per round, the retry backoff, how many times in a row a backend may
/// turn an attempt away for now, and which backend takes over from one that failed every attempt.
/// </summary>
public sealed record LifecyclePolicy(int MaxAttempts, TimeSpan RetryBaseDelay, TimeSpan RetryMaxDelay, int MaxDeferrals)
{
    /// <summary>Backend name to its fallback's name (case-insensitive); a backend without one is absent.</summary>
    public IReadOnlyDictionary<string, string> Fallbacks { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether webhook subscribers are configured, so every message that finishes is handed to its delivery.</summary>
    public bool Webhooks { get; init; }

    public string? FallbackOf(string backend) => Fallbacks.TryGetValue(backend, out var fallback) ? fallback : null;

    /// <summary>Exponential backoff with jitter: base × 2^(n-1), capped, then 50–100% of that as <paramref name="jitter"/> (0..1) says.</summary>
    public TimeSpan RetryDelay(int failedAttempts, double jitter)
    {
        var ceiling = Math.Min(RetryMaxDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, failedAttempts - 1)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + Math.Clamp(jitter, 0, 1) / 2));
    }

    /// <summary>
    /// Whether an attempt started at <paramref name="startedAt"/> has outlived <paramref name="limit"/> by now. A live
    /// attempt cannot: its processor is cancelled at its time limit, and the limit given here adds a lease to that.
    /// </summary>
    public static bool Outlived(DateTimeOffset? startedAt, DateTimeOffset now, TimeSpan limit) =>
        startedAt is { } started && now - started > limit;
}
