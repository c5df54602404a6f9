using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /results?status=failed: the dead letters, newest first, paged.</summary>
public static class ResultsApi
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapResultsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/results").WithTags("Results").MapGet("/", ListAsync);
        return app;
    }

    public static async Task<Results<Ok<ResultsPage>, ProblemHttpResult>> ListAsync(
        string? status, int? page, int? pageSize, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!string.Equals(status, "failed", StringComparison.Ordinal))
        {
            return Problems.Validation("status", "Only failed messages can be listed: use ?status=failed.");
        }

        var (number, size) = (page ?? 1, pageSize ?? 50);
        if (number < 1 || size < 1 || size > MaxPageSize)
        {
            return Problems.Validation("page", $"page must be 1 or more and pageSize between 1 and {MaxPageSize}.");
        }

        // In long: (page - 1) × pageSize passes int.MaxValue (page 1073741825 of 2), and wrapped to a negative skip: page 1.
        var skip = (long)(number - 1) * size;
        var ids = await cluster.CallAsync(
            grains => grains.GetGrain<IDeadLetterGrain>(0).List(skip, size).AsTask(), cancellationToken);
        var results = await Task.WhenAll(ids.Ids.Select(id =>
            cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Get().AsTask(), cancellationToken)));
        var items = results.OfType<ChatResult>().Select(ResultResponse.From).ToList();
        return TypedResults.Ok(new ResultsPage(items, number, size, ids.Total));
    }
}
