using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebFrontend.Cluster;

namespace WebFrontend.Health;

/// <summary>Ready needs the cluster: the same round trip as GET /health.</summary>
internal sealed partial class ClusterHealthCheck(IClusterClient client, ILogger<ClusterHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await ClusterProbe.ActiveSilosAsync(client, cancellationToken);
            return silos > 0
                ? HealthCheckResult.Healthy($"{silos} active silos.")
                : new HealthCheckResult(context.Registration.FailureStatus, "The cluster lists no active silo.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One line without the stack trace, as for GET /health: probes repeat every few seconds through an outage.
            ProbeFailed(logger, exception.GetType().Name, exception.Message);
            return new HealthCheckResult(context.Registration.FailureStatus, "The cluster did not answer.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness probe: the cluster did not answer: {ExceptionType}: {Reason}")]
    private static partial void ProbeFailed(ILogger logger, string exceptionType, string reason);
}
