using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebFrontend.Cluster;
using WebFrontend.Extensions;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>
/// GET /health: 200 once the frontend reaches the cluster, 503 before. GET /health/live and /health/ready: the
/// orchestrator's probes, answered from the registered health checks (<see cref="HealthCheckExtensions"/>).
/// </summary>
public static partial class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous(); // for probes, which hold no key
        group.MapGetAndHead("/", CheckAsync).ProducesProblems(ProblemResponses.Unavailable);
        group.MapGetAndHead("/live", LiveAsync)
            .Produces<ProbeResponse>(StatusCodes.Status503ServiceUnavailable);
        group.MapGetAndHead("/ready", ReadyAsync)
            .Produces<ProbeResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>200 whenever the process serves requests; only a check tagged "live" could make it 503, and none is.</summary>
    public static Task<Results<Ok<ProbeResponse>, JsonHttpResult<ProbeResponse>>> LiveAsync(
        HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
        ProbeAsync(health, HealthCheckExtensions.Live, context, cancellationToken);

    /// <summary>200 when the cluster answers (and Redis, in durable mode); 503 otherwise.</summary>
    public static Task<Results<Ok<ProbeResponse>, JsonHttpResult<ProbeResponse>>> ReadyAsync(
        HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
        ProbeAsync(health, HealthCheckExtensions.Ready, context, cancellationToken);

    private static async Task<Results<Ok<ProbeResponse>, JsonHttpResult<ProbeResponse>>> ProbeAsync(
        HealthCheckService health, string tag, HttpContext context, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(tag), cancellationToken);
        var body = new ProbeResponse(
            StatusName(report.Status),
            report.Entries.ToDictionary(entry => entry.Key, entry => StatusName(entry.Value.Status)));

        // A probe's answer is about this moment: no cache may hand it out later.
        context.Response.Headers.CacheControl = "no-store, no-cache";
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(body);
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    public static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> CheckAsync(
        IClusterClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(new HealthResponse("connected", await ClusterProbe.ActiveSilosAsync(client, cancellationToken)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The reason goes to the log only: exception text names internal types and addresses, and is no contract.
            // Without the stack trace: probes come every second or so for as long as an outage lasts.
            ProbeFailed(loggers.CreateLogger(typeof(HealthApi)), exception.GetType().Name, exception.Message);
            return Problems.Unavailable(
                "The frontend is not connected to the cluster.",
                "The cluster did not answer the health probe. Retry shortly; the frontend keeps reconnecting.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health probe failed: {ExceptionType}: {Reason}")]
    private static partial void ProbeFailed(ILogger logger, string exceptionType, string reason);
}
