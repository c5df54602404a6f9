using System.Net.ServerSentEvents;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>
/// /conversations: start one, post its messages (each a message like any other, run one after another with the
/// conversation's history), read it, watch it, delete it.
/// </summary>
public static class ConversationsApi
{
    public static IEndpointRouteBuilder MapConversations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/conversations").WithTags("Conversations").RequireKey().ProducesProblems(ProblemResponses.Unavailable);
        var bodyProblems = new[] { StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType };
        group.MapPost("/", CreateAsync).Accepts<ConversationRequest>("application/json").ProducesProblems(bodyProblems);
        group.MapGetAndHead("/{id}", GetAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        group.MapGet("/{id}/events", EventsAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        group.MapPost("/{id}/messages", PostAsync)
            .Accepts<ConversationMessageRequest>("application/json")
            .ProducesProblems([.. bodyProblems, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict]);
        group.MapDelete("/{id}", DeleteAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>201 with the new conversation's id; 400 for an unknown backend or a system prompt with no visible text.</summary>
    public static async Task<Results<Created<ConversationCreated>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, ClusterCaller cluster, IOptions<ChatOptions> options, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadAsync(request, FrontendJsonContext.Default.ConversationRequest, "system", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Backend is not null && !BackendNames.IsValid(body.Backend))
        {
            return Problems.Validation("backend", $"The backend name '{body.Backend}' is not valid: use {BackendNames.Rule}.");
        }

        if (body.System is not null && ChatRules.CheckMessage(body.System, options.Value.MaxMessageLength) is { } systemProblem)
        {
            return Problems.Validation("system", systemProblem);
        }

        var id = ChatRules.NewId();
        try
        {
            var key = ApiCaller.From(user).KeyOf(id);
            await cluster.CallAsync(grains => grains.GetGrain<IConversationGrain>(key).Create(body.Backend, body.System).AsTask(), cancellationToken);
        }
        catch (UnknownBackendException unknown)
        {
            return Problems.UnknownBackend(unknown.Backend, unknown.Known);
        }

        return TypedResults.Created($"/conversations/{id}", new ConversationCreated(id));
    }

    public static async Task<Results<Ok<ConversationResponse>, ProblemHttpResult>> GetAsync(
        string id, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var view = await cluster.CallAsync(grains => grains.GetGrain<IConversationGrain>(key).Get().AsTask(), cancellationToken);
        return view is null ? NotFound(id) : TypedResults.Ok(ConversationResponse.From(caller.Shown(view)));
    }

    /// <summary>
    /// 202 once the message is queued (held until the messages before it have ended); the same id and message again
    /// answers 200 with its status; 409 for an id that holds another message; 404 for an unknown conversation.
    /// </summary>
    public static async Task<Results<Accepted<ConversationMessageAccepted>, Ok<ConversationMessageAccepted>, ProblemHttpResult>> PostAsync(
        string id,
        HttpRequest request,
        ClaimsPrincipal user,
        ClusterCaller cluster,
        MessageRateLimiter limiter,
        IOptions<ChatOptions> options,
        CallbackAddresses callbacks,
        CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var (body, problem) = await ReadAsync(request, FrontendJsonContext.Default.ConversationMessageRequest, "message", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (ChatRules.CheckMessage(body!.Message, options.Value.MaxMessageLength) is { } messageProblem)
        {
            return Problems.Validation("message", messageProblem);
        }

        if (body.Id is not null && !ChatRules.IsValidId(body.Id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(body.Id));
        }

        // Last of the checks, since it may ask DNS.
        if (body.CallbackUrl is not null && await callbacks.CheckAsync(body.CallbackUrl, cancellationToken) is { } callbackProblem)
        {
            return Problems.Validation("callbackUrl", callbackProblem);
        }

        if (limiter.TryTake(request.HttpContext, caller, 1) is { } limited)
        {
            return limited;
        }

        // One request id however often the call is repeated, so a repeat after a lost reply is answered as the first.
        // The message belongs to the conversation's tenant (an admin may post to another tenant's conversation).
        var submission = new ChatSubmission(
            TenantKeys.Compose(TenantKeys.TenantOf(key), body.Id ?? ChatRules.NewId()), body.Message!, Guid.NewGuid(), CallbackUrl: body.CallbackUrl);
        var messageId = caller.IdOf(submission.Id);
        SubmitOutcome? outcome;
        try
        {
            outcome = await cluster.CallAsync(grains => grains.GetGrain<IConversationGrain>(key).Post(submission).AsTask(), cancellationToken);
        }
        catch (ClusterUnavailableException)
        {
            return Problems.OutcomeUnknown(request.HttpContext, messageId);
        }

        var accepted = new ConversationMessageAccepted(messageId, ResultResponse.StatusName(ChatStatus.Queued), id);
        return outcome switch
        {
            null => NotFound(id),
            { Status: SubmitStatus.Accepted } => TypedResults.Accepted($"/result/{messageId}", accepted),
            // Existing under an id this frontend generated cannot be another client's message: it is this one.
            { Status: SubmitStatus.Existing } when body.Id is null => TypedResults.Accepted($"/result/{messageId}", accepted),
            { Status: SubmitStatus.Existing, Result: { } existing } => TypedResults.Ok(accepted with { Status = ResultResponse.StatusName(existing.Status) }),
            { Status: SubmitStatus.Busy } => Problems.Busy(request.HttpContext, outcome.RetryAfter),
            _ => Problems.Conflict(messageId),
        };
    }

    /// <summary>
    /// Server-Sent Events: the <c>result</c> and <c>delta</c> events of GET /result/{id}/events for every message of the
    /// conversation, in order, each naming its message in <c>id</c>; it lasts until the conversation is deleted. Each
    /// event's id is <c>{message}:{seq}</c> (<see cref="ConversationPosition"/>): with it as <c>Last-Event-ID</c>, a
    /// reconnecting client gets what followed that event, not the whole conversation again.
    /// </summary>
    public static async Task<Results<CoalescedServerSentEvents<object>, ProblemHttpResult>> EventsAsync(
        string id, [FromHeader(Name = "Last-Event-ID")] string? lastEventId, ClaimsPrincipal user, ConversationWatcher watcher, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        if (!ConversationPosition.TryParse(lastEventId, out var from))
        {
            return Problems.Validation("Last-Event-ID", "Last-Event-ID must be the id of an event of this stream: <message>:<seq>, two whole numbers, the first 1 or more.");
        }

        var items = await watcher.WatchAsync(key, from, cancellationToken);
        return items is null ? NotFound(id) : new CoalescedServerSentEvents<object>(items.Select(item => ToEvent(item, caller)));
    }

    /// <summary>204 once every unfinished message is cancelled and the conversation forgotten; 404 if unknown.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (ApiCaller.From(user).KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        // One request id for every try, so a repeat after a lost reply is answered as the first was.
        var request = Guid.NewGuid();
        var deleted = await cluster.CallAsync(grains => grains.GetGrain<IConversationGrain>(key).Delete(request).AsTask(), cancellationToken);
        return deleted ? TypedResults.NoContent() : NotFound(id);
    }

    private static SseItem<object> ToEvent(ConversationWatchItem watched, ApiCaller caller) => (watched.Item.Delta is { } delta
        ? new SseItem<object>(new ConversationDeltaEvent(caller.IdOf(delta.Id), delta.Seq, delta.Text), "delta")
        : new SseItem<object>(ResultResponse.From(caller.Shown(watched.Item.Result!)), "result")) with { EventId = watched.Position.EventId };

    private static ProblemHttpResult NotFound(string id) => Problems.NotFound($"No conversation with id '{id}'.");

    /// <summary>The body, or the problem with it: each way it can be wrong gets its own problem details.</summary>
    private static async Task<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<T> type, string textField, CancellationToken cancellationToken)
        where T : class
    {
        if (JsonBody.CheckContentType(request) is { } contentProblem)
        {
            return (null, contentProblem);
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync(request.Body, type, cancellationToken);
            return body is null ? (null, Problems.BadRequest("The body must be a JSON object.", $"Expected a {typeof(T).Name} object.")) : (body, null);
        }
        catch (JsonException exception) when (exception.Path == $"$.{textField}")
        {
            // The field itself cannot be read, e.g. an escaped lone surrogate, which no UTF-8 text can hold.
            return (null, Problems.Validation(textField, $"The '{textField}' field cannot be read: {exception.Message}"));
        }
        catch (JsonException exception)
        {
            return (null, Problems.BadRequest($"The body is not valid JSON for a {typeof(T).Name}.", exception.Message));
        }
    }
}
