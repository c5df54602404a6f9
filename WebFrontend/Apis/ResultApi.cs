using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /result/{id}: a message's status and reply.</summary>
public static class ResultApi
{
    public static IEndpointRouteBuilder MapResultApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/result").WithTags("Results");
        group.MapGet("/{id}", GetAsync);
        return app;
    }

    public static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> GetAsync(
        string id, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!ChatRules.IsValidId(id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var result = await cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Get().AsTask(), cancellationToken);
        return result is null
            ? Problems.NotFound($"No message with id '{id}'.")
            : TypedResults.Ok(ResultResponse.From(result));
    }
}
