using Chat.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace WebFrontend.Cluster;

/// <summary>
/// Runs grain calls for the HTTP handlers, retrying the failures a silo or gateway dying causes until the
/// retry window ends. Every call made through it must be safe to repeat, and give the answer the first call would
/// have: the chat calls do, because each names its message and its request (ids fixed before the first attempt)
/// and the message lifecycle answers a repeated event as it answered the first.
/// </summary>
public sealed partial class ClusterCaller(
    IClusterClient client,
    IHostApplicationLifetime lifetime,
    IOptions<ClusterConnectionOptions> options,
    ILogger<ClusterCaller> logger)
{
    public async Task<T> CallAsync<T>(Func<IGrainFactory, Task<T>> call, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(options.Value.RetryWindowSeconds);
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(50);
        await WaitUntilConnectedAsync(window, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(client);
            }
            // A cancellation this request did not ask for: a grain's activation was cancelled on its silo (the silo
            // died or stopped while activating it, or activation timed out), which another try meets afresh.
            catch (Exception exception) when (IsTransient(exception) || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var elapsed = TimeProvider.System.GetElapsedTime(started);
                if (elapsed + delay > window)
                {
                    // One line per request that gives up, not one per retry: an outage retries thousands of calls.
                    LogGaveUp(logger, attempt, window.TotalSeconds, exception.GetType().Name);
                    throw new ClusterUnavailableException($"The cluster did not answer within {window.TotalSeconds:0} s.", exception);
                }

                LogRetrying(logger, attempt, exception.GetType().Name, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
        }
    }

    /// <summary>
    /// The web server answers while the Orleans client is still connecting (hosted services start
    /// concurrently), and a client without the cluster's manifest cannot even resolve grain types. The
    /// host signals started only once every hosted service, the client's connection included, has.
    /// </summary>
    private async Task WaitUntilConnectedAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStarted);
        try
        {
            await Task.Delay(window, wait.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return;
        }

        throw new ClusterUnavailableException($"The frontend has not connected to the cluster within {window.TotalSeconds:0} s.");
    }

    /// <summary>Failures that mean "not reachable right now", as opposed to an answer.</summary>
    private static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or ConnectionFailedException or SiloUnavailableException
        or GatewayTooBusyException or TimeoutException or ClientNotAvailableException;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cluster call failed (attempt {Attempt}, {Error}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, string error, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster call gave up after {Attempts} attempts over {WindowSeconds} s (last {Error}); answered 503")]
    private static partial void LogGaveUp(ILogger logger, int attempts, double windowSeconds, string error);
}
