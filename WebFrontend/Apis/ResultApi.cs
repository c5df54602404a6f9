using System.Globalization;
using System.Net.ServerSentEvents;
using System.Security.Claims;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /result/{id}: a message's status and reply; GET /result/{id}/events: the same, pushed as it changes.</summary>
public static class ResultApi
{
    public static IEndpointRouteBuilder MapResultApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/result").WithTags("Results").RequireKey()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, ProblemResponses.Unavailable);
        group.MapGetAndHead("/{id}", GetAsync);
        group.MapGet("/{id}/events", EventsAsync);
        group.MapPost("/{id}/retry", RetryAsync).ProducesProblems(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> GetAsync(
        string id, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var result = await cluster.CallAsync(grains => grains.GetResultGrain(key).Get().AsTask(), cancellationToken);
        return result is null
            ? Problems.NotFound($"No message with id '{id}'.")
            : TypedResults.Ok(ResultResponse.From(caller.Shown(result)));
    }

    /// <summary>
    /// Server-Sent Events: <c>result</c> with the current state and on each change, ending after a terminal state;
    /// between them <c>delta</c> events, each a piece of the running reply with its seq as the event id. With a
    /// <c>Last-Event-ID</c> header (as a reconnecting EventSource sends), the pieces after that one follow the
    /// current state.
    /// </summary>
    public static async Task<Results<CoalescedServerSentEvents<object>, ProblemHttpResult>> EventsAsync(
        string id, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, ClaimsPrincipal user, ResultWatcher watcher, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var afterSeq = 0L;
        if (!string.IsNullOrEmpty(lastEventId) && (!long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out afterSeq)))
        {
            return Problems.Validation("Last-Event-ID", "Last-Event-ID must be the id of a delta event: a whole number, 0 or more.");
        }

        var items = await watcher.WatchAsync(key, afterSeq, cancellationToken);
        return items is null
            ? Problems.NotFound($"No message with id '{id}'.")
            : new CoalescedServerSentEvents<object>(items.Select(item => ToEvent(item, caller)));
    }

    private static SseItem<object> ToEvent(WatchItem item, ApiCaller caller) => item.Delta is { } delta
        ? new SseItem<object>(new ReplyDeltaEvent(delta.Seq, delta.Text), "delta") { EventId = delta.Seq.ToString(CultureInfo.InvariantCulture) }
        : new SseItem<object>(ResultResponse.From(caller.Shown(item.Result!)), "result");

    /// <summary>
    /// Queues a failed message again: 202 and its new state (also when repeated while that retry is in effect); 409 for
    /// any other status; 404 if unknown.
    /// </summary>
    public static async Task<Results<Accepted<ResultResponse>, ProblemHttpResult>> RetryAsync(
        string id, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        // One id for this request, however often the call is repeated: a repeat gets the first call's answer.
        var request = Guid.NewGuid();
        var outcome = await cluster.CallAsync(grains => grains.GetResultGrain(key).Retry(request).AsTask(), cancellationToken);
        return outcome switch
        {
            { Retried: true, Result: { } queued } => TypedResults.Accepted($"/result/{id}", ResultResponse.From(caller.Shown(queued))),
            { Result: { } current } => Problems.WrongState(id, ResultResponse.StatusName(current.Status), "failed messages can be retried"),
            _ => Problems.NotFound($"No message with id '{id}'."),
        };
    }
}
