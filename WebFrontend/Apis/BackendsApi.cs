using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /backends: every backend the cluster sends messages to, with its queue, its load and its totals.</summary>
public static class BackendsApi
{
    public static IEndpointRouteBuilder MapBackendsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/backends").WithTags("Backends").RequireAdminKey().ProducesProblems(ProblemResponses.Unavailable);
        group.MapGetAndHead("/", GetAsync);
        return app;
    }

    public static async Task<Ok<BackendResponse[]>> GetAsync(ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var backends = await cluster.CallAsync(grains => grains.GetGrain<IClusterLoadGrain>(0).GetBackends().AsTask(), cancellationToken);
        return TypedResults.Ok(backends.Select(BackendResponse.From).ToArray());
    }
}
