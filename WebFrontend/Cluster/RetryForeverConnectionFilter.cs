namespace WebFrontend.Cluster;

/// <summary>
/// Keeps trying to reach the cluster while the frontend runs: the frontend may start before the silos
/// and answers /health with 503 until it is connected.
/// </summary>
internal sealed partial class RetryForeverConnectionFilter(ILogger<RetryForeverConnectionFilter> logger) : IClientConnectionRetryFilter
{
    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var attempt = ++_attempt;
        LogNotConnected(logger, attempt, exception.Message);
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * attempt, 2000)), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogNotConnected(ILogger logger, int attempt, string reason);
}
