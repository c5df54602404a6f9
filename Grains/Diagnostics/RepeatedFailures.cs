namespace Grains.Diagnostics;

/// <summary>
/// Lets a failure that repeats be logged once per interval with how often it happened, instead of once per attempt:
/// while a silo is dead but not yet declared dead, every call routed to it fails, many times a second.
/// </summary>
public sealed class RepeatedFailures(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _lock = new();
    private long _loggedAt;
    private bool _failing;
    private int _unlogged;

    public RepeatedFailures(TimeSpan interval)
        : this(interval, TimeProvider.System)
    {
    }

    /// <summary>Counts one failure; true when a line is due, with the failures it covers (this one included).</summary>
    public bool Failed(out int failures)
    {
        lock (_lock)
        {
            _unlogged++;
            var now = time.GetTimestamp();
            if (_failing && time.GetElapsedTime(_loggedAt, now) < interval)
            {
                failures = 0;
                return false;
            }

            (failures, _unlogged, _loggedAt, _failing) = (_unlogged, 0, now, true);
            return true;
        }
    }

    /// <summary>
    /// After a success: true once per run of failures, with those not logged yet, so the last line says it is over;
    /// the next failure is logged at once.
    /// </summary>
    public bool Recovered(out int unlogged)
    {
        unlogged = 0;
        if (!Volatile.Read(ref _failing))
        {
            return false;
        }

        lock (_lock)
        {
            if (!_failing)
            {
                return false;
            }

            (unlogged, _unlogged, _failing) = (_unlogged, 0, false);
            return true;
        }
    }

    /// <summary>The exception's type and the first line of its message: no stack trace, which Orleans' messages may embed.</summary>
    public static string Describe(Exception exception) =>
        $"{exception.GetType().Name}: {exception.Message.Split('\n', 2)[0].TrimEnd()}";
}
