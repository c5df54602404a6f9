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
        var group = app.MapGroup("/result").WithTags("Results");
        group.MapGet("/{id}", GetAsync);
        group.MapGet("/{id}/events", EventsAsync);
        group.MapPost("/{id}/retry", RetryAsync);
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

    /// <summary>Queues a failed message again: 202 and its new state; 409 unless it failed; 404 if unknown.</summary>
    public static async Task<Results<Accepted<ResultResponse>, ProblemHttpResult>> RetryAsync(
        string id, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!ChatRules.IsValidId(id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var retried = await cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Retry().AsTask(), cancellationToken);
        if (retried is not null)
        {
            return TypedResults.Accepted($"/result/{id}", ResultResponse.From(retried));
        }

        var current = await cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Get().AsTask(), cancellationToken);
        return current is null
            ? Problems.NotFound($"No message with id '{id}'.")
            : Problems.WrongState(id, ResultResponse.StatusName(current.Status), "failed messages can be retried");
    }
}
