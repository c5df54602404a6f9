using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /result/{id}: a message's status and reply; GET /result/{id}/events: the same, pushed as it changes.</summary>
public static class ResultApi
{
    public static IEndpointRouteBuilder MapResultApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/result").WithTags("Results")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, ProblemResponses.Unavailable);
        group.MapGetAndHead("/{id}", GetAsync);
        group.MapGet("/{id}/events", EventsAsync);
        group.MapPost("/{id}/retry", RetryAsync).ProducesProblems(StatusCodes.Status409Conflict);
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

    /// <summary>Server-Sent Events: the current state, then one event per change; ends after a terminal state.</summary>
    public static async Task<Results<ServerSentEventsResult<ResultResponse>, ProblemHttpResult>> EventsAsync(
        string id, ResultWatcher watcher, CancellationToken cancellationToken)
    {
        if (!ChatRules.IsValidId(id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var changes = await watcher.WatchAsync(id, cancellationToken);
        return changes is null
            ? Problems.NotFound($"No message with id '{id}'.")
            : TypedResults.ServerSentEvents(changes.Select(ResultResponse.From), eventType: "result");
    }

    /// <summary>
    /// Queues a failed message again: 202 and its new state (also when repeated while that retry is in effect); 409 for
    /// any other status; 404 if unknown.
    /// </summary>
    public static async Task<Results<Accepted<ResultResponse>, ProblemHttpResult>> RetryAsync(
        string id, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!ChatRules.IsValidId(id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        // One id for this request, however often the call is repeated: a repeat gets the first call's answer.
        var request = Guid.NewGuid();
        var outcome = await cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Retry(request).AsTask(), cancellationToken);
        return outcome switch
        {
            { Retried: true, Result: { } queued } => TypedResults.Accepted($"/result/{id}", ResultResponse.From(queued)),
            { Result: { } current } => Problems.WrongState(id, ResultResponse.StatusName(current.Status), "failed messages can be retried"),
            _ => Problems.NotFound($"No message with id '{id}'."),
        };
    }
}
