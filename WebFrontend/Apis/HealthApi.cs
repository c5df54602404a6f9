using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /health: 200 once the frontend reaches the cluster, 503 before.</summary>
public static class HealthApi
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).WithTags("Health");
        return app;
    }

    public static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> CheckAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        try
        {
            // A real round trip: the management grain lists the silos the cluster considers active.
            var silos = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(ProbeTimeout, cancellationToken);
            return TypedResults.Ok(new HealthResponse("connected", silos.Count));
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Problems.Unavailable("The frontend is not connected to the cluster.", exception.Message);
        }
    }
}
