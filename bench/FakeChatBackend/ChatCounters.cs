namespace FakeChatBackend;

/// <summary>Thread-safe counters behind <see cref="FakeChatStats"/>.</summary>
internal sealed class ChatCounters
{
    // The recent exchanges, for tests that look at timing (when requests came, how many overlapped).
    private const int MaxRemembered = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentQueue<FakeChatExchange> _exchanges = new();
    private long _requests;
    private int _inFlight;
    private int _maxInFlight;
    private long _completed;
    private long _aborted;
    private long _rateLimited;
    private long _failed;

    public FakeChatStats Snapshot() => new(
        Interlocked.Read(ref _requests),
        Volatile.Read(ref _inFlight),
        Volatile.Read(ref _maxInFlight),
        Interlocked.Read(ref _completed),
        Interlocked.Read(ref _aborted),
        Interlocked.Read(ref _rateLimited),
        Interlocked.Read(ref _failed));

    /// <summary>Zeroes the totals; requests still in flight stay counted as in flight.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _aborted, 0);
        Interlocked.Exchange(ref _rateLimited, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _inFlight));
        _exchanges.Clear();
    }

    /// <summary>Ended exchanges since the last reset, oldest first (at most the last 10,000).</summary>
    public IReadOnlyList<FakeChatExchange> Exchanges() => _exchanges.ToArray();

    public ChatExchange Begin()
    {
        Interlocked.Increment(ref _requests);
        var now = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (now > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, now, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }

        return new ChatExchange(this, DateTimeOffset.UtcNow);
    }

    internal void End(ChatOutcome outcome, DateTimeOffset startedAt)
    {
        Interlocked.Decrement(ref _inFlight);
        _exchanges.Enqueue(new FakeChatExchange(startedAt, DateTimeOffset.UtcNow, outcome.ToString().ToLowerInvariant()));
        while (_exchanges.Count > MaxRemembered && _exchanges.TryDequeue(out _))
        {
        }

        switch (outcome)
        {
            case ChatOutcome.Completed:
                Interlocked.Increment(ref _completed);
                break;
            case ChatOutcome.Aborted:
                Interlocked.Increment(ref _aborted);
                break;
            case ChatOutcome.RateLimited:
                Interlocked.Increment(ref _rateLimited);
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }
    }
}

internal enum ChatOutcome
{
    Completed,
    Aborted,
    RateLimited,
    Failed,
}

/// <summary>One chat request's place in the counters; it ends exactly once.</summary>
internal sealed class ChatExchange(ChatCounters counters, DateTimeOffset startedAt)
{
    private int _ended;

    /// <summary>
    /// Called just before the last bytes go out, so a client that already holds its answer and sends its next
    /// request never finds the previous one still counted in flight.
    /// </summary>
    public void End(ChatOutcome outcome)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            counters.End(outcome, startedAt);
        }
    }
}
