using System.Globalization;
using System.Security.Claims;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /results?status=failed: the dead letters, newest first, paged.</summary>
public static class ResultsApi
{
    public const int MaxPageSize = 200;

    /// <summary>The dead-letter index keeps the newest failures only: no page can start past them.</summary>
    public const int MaxListed = IDeadLetterGrain.Capacity;

    public static IEndpointRouteBuilder MapResultsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/results").WithTags("Results").RequireKey().MapGetAndHead("/", ListAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest, ProblemResponses.Unavailable);
        return app;
    }

    public static async Task<Results<Ok<ResultsPage>, ProblemHttpResult>> ListAsync(
        string? status, string? page, string? pageSize, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!string.Equals(status, "failed", StringComparison.Ordinal))
        {
            return Problems.Validation("status", "Only failed messages can be listed: use ?status=failed.");
        }

        // Read as text, so that "abc" or 99999999999 is named in a 400 rather than failing the binding with a bare one.
        if (!TryParse(pageSize, 50, out var size) || size < 1 || size > MaxPageSize)
        {
            return Problems.Validation("pageSize", $"pageSize must be a whole number from 1 to {MaxPageSize}.");
        }

        var lastPage = (MaxListed + size - 1) / size;
        if (!TryParse(page, 1, out var number) || number < 1 || number > lastPage)
        {
            return Problems.Validation(
                "page", $"page must be a whole number from 1 to {lastPage}: with pageSize {size}, later pages would start past the newest {MaxListed:N0} dead letters, all that are kept.");
        }

        // An admin (or anyone, with keys off) lists every tenant's; a tenant, only its own, filtered by the index so
        // that pages and the total count only its own.
        var caller = ApiCaller.From(user);
        var skip = (long)(number - 1) * size;
        var ids = await cluster.CallAsync(
            grains => (caller.Admin
                ? grains.GetGrain<IDeadLetterGrain>(0).List(skip, size)
                : grains.GetGrain<IDeadLetterGrain>(0).List(caller.Tenant!, skip, size)).AsTask(),
            cancellationToken);
        var results = await Task.WhenAll(ids.Ids.Select(id =>
            cluster.CallAsync(grains => grains.GetResultGrain(id).Get().AsTask(), cancellationToken)));
        // A listed failure gone past its retention (Results__FailedRetention) leaves the list once it is seen missing.
        var gone = ids.Ids.Where((_, index) => results[index] is null).ToList();
        if (gone.Count > 0)
        {
            await cluster.CallAsync(
                async grains =>
                {
                    await Task.WhenAll(gone.Select(id => grains.GetGrain<IDeadLetterGrain>(0).Remove(id).AsTask()));
                    return gone.Count;
                },
                cancellationToken);
        }

        var items = results.OfType<ChatResult>().Select(result => ResultResponse.From(caller.Shown(result))).ToList();
        return TypedResults.Ok(new ResultsPage(items, number, size, ids.Total));
    }

    private static bool TryParse(string? text, int absent, out int value)
    {
        if (text is null)
        {
            value = absent;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
