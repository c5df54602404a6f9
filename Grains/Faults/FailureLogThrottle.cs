using Microsoft.Extensions.Logging;

namespace Grains.Faults;

/// <summary>
/// Logs the infrastructure failures answered to clients without a line per call: the first of a kind at once, then
/// one line per interval with how many calls failed in it, for as long as they go on. An outage at hundreds of calls
/// a second must not write a stack trace per call.
/// </summary>
internal sealed partial class FailureLogThrottle(TimeProvider clock, ILogger logger)
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Window> _windows = [];

    public void Record(string unavailable, string call, Exception exception)
    {
        lock (_lock)
        {
            if (_windows.TryGetValue(unavailable, out var window))
            {
                window.Count++;
                window.Latest = (call, exception);
                return;
            }

            _windows[unavailable] = new Window { Timer = clock.CreateTimer(_ => Flush(unavailable), null, Interval, Interval) };
        }

        LogFirst(logger, unavailable, call, exception.GetType().FullName, exception.Message);
    }

    /// <summary>Reports the interval just ended; an interval with no failure ends the kind's run, so the next one is logged at once.</summary>
    private void Flush(string unavailable)
    {
        Window window;
        lock (_lock)
        {
            if (!_windows.TryGetValue(unavailable, out window!))
            {
                return;
            }

            if (window.Count == 0)
            {
                _windows.Remove(unavailable);
                window.Timer.Dispose();
                return;
            }

            _windows[unavailable] = new Window { Timer = window.Timer };
        }

        var (call, exception) = window.Latest;
        LogRepeated(logger, unavailable, window.Count, Interval.TotalSeconds, call, exception?.GetType().FullName, exception?.Message);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Unavailable}: {Call} answered the client 'temporarily unavailable' ({ExceptionType}: {ExceptionMessage}); further such calls are counted, not logged")]
    private static partial void LogFirst(ILogger logger, string unavailable, string call, string? exceptionType, string exceptionMessage);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Unavailable}: {Failed} more client calls answered 'temporarily unavailable' in the last {IntervalSeconds} s; the latest, {Call}, failed with {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogRepeated(
        ILogger logger, string unavailable, int failed, double intervalSeconds, string call, string? exceptionType, string? exceptionMessage);

    private sealed class Window
    {
        public required ITimer Timer { get; init; }

        public int Count { get; set; }

        public (string Call, Exception? Exception) Latest { get; set; } = (string.Empty, null);
    }
}
