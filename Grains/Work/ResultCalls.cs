using Grains.Diagnostics;
using Grains.Faults;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Grains.Work;

/// <summary>
/// Calls a message's result grain, riding out the death of the silo it was active on (once the cluster notices, the
/// next call activates it elsewhere from storage) and a storage outage (the outcome is recorded once the store is
/// back, rather than dropped and the message run again). Every call made here is safe to repeat, since a claim or an
/// outcome names its attempt. Past the window, the stream's lease takes over.
/// </summary>
public sealed partial class ResultCalls(ILogger logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    // One tally for the whole silo: when a silo dies, every attempt calling a result grain it held retries at once.
    private readonly RepeatedFailures _failures = new(LogInterval);

    public async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var result = await call();
                if (_failures.Recovered(out var unlogged))
                {
                    LogRecovered(logger, unlogged);
                }

                return result;
            }
            catch (Exception exception) when ((exception is SiloUnavailableException or OrleansMessageRejectionException
                or ConnectionFailedException or TimeoutException || InfrastructureFailures.Unavailable(exception) is not null)
                && TimeProvider.System.GetElapsedTime(started) + delay < Window)
            {
                if (_failures.Failed(out var failures))
                {
                    LogRetrying(logger, failures, LogInterval, RepeatedFailures.Describe(exception));
                }

                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result grain calls are failing: {Failures} retried since the last such line (at most one per {Interval}); last {Error}")]
    private static partial void LogRetrying(ILogger logger, int failures, TimeSpan interval, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Result grain calls answer again ({Failures} more failures retried)")]
    private static partial void LogRecovered(ILogger logger, int failures);
}
