using System.Security.Claims;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>
/// GET /backends: every backend the cluster sends messages to, for any key to choose from; with its cap, queue, load
/// and totals for admin keys only.
/// </summary>
public static class BackendsApi
{
    public static IEndpointRouteBuilder MapBackendsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/backends").WithTags("Backends").RequireKey().ProducesProblems(ProblemResponses.Unavailable);
        group.MapGetAndHead("/", GetAsync);
        return app;
    }

    public static async Task<Ok<BackendResponse[]>> GetAsync(ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var backends = await cluster.CallAsync(grains => grains.GetGrain<IClusterLoadGrain>(0).GetBackends().AsTask(), cancellationToken);
        Func<BackendStatus, BackendResponse> shown = ApiCaller.From(user).Admin ? BackendResponse.From : BackendResponse.Named;
        return TypedResults.Ok(backends.Select(shown).ToArray());
    }
}
