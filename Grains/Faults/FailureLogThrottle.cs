using System.Collections.Concurrent;
using Grains.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Grains.Faults;

/// <summary>
/// Logs the infrastructure failures answered to clients without a line per call: the first of a kind at once, then
/// at most one line per interval with how many calls failed since, for as long as they go on. An outage at hundreds
/// of calls a second must not write a stack trace per call.
/// </summary>
internal sealed partial class FailureLogThrottle(TimeProvider clock, ILogger logger)
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, RepeatedFailures> _kinds = new();

    public void Record(string unavailable, string call, Exception exception)
    {
        if (_kinds.GetOrAdd(unavailable, _ => new RepeatedFailures(Interval, clock)).Failed(out var failures))
        {
            LogFailures(logger, unavailable, failures, Interval.TotalSeconds, call, RepeatedFailures.Describe(exception));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Unavailable}: {Failures} client calls answered 'temporarily unavailable' (at most one such line per {IntervalSeconds} s); the latest, {Call}, failed with {Error}")]
    private static partial void LogFailures(ILogger logger, string unavailable, int failures, double intervalSeconds, string call, string error);
}
