using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /health: 200 once the frontend reaches the cluster, 503 before.</summary>
public static partial class HealthApi
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGetAndHead("/health", CheckAsync).WithTags("Health");
        return app;
    }

    public static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> CheckAsync(
        IClusterClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            // A real round trip: the management grain lists the silos the cluster considers active.
            var silos = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ProbeTimeout, cancellationToken);
            return TypedResults.Ok(new HealthResponse("connected", silos.Count));
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
