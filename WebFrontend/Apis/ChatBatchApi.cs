using System.Security.Claims;
using System.Text.Json;
using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WebFrontend.Auth;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>
/// POST /chat/batch: many messages in one request, each submitted as POST /chat submits one, so each is accepted,
/// refused or found existing on its own, and a repeated batch never stores a message twice.
/// </summary>
public static class ChatBatchApi
{
    /// <summary>Items submitted at once: enough to hide the round trips, few enough that one batch cannot crowd out other requests.</summary>
    public const int MaxConcurrentSubmissions = 16;

    public static async Task<Results<Ok<ChatBatchResponse>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request,
        ClaimsPrincipal user,
        ChatSubmitter submitter,
        MessageRateLimiter limiter,
        IOptions<ChatOptions> options,
        CancellationToken cancellationToken)
    {
        if (JsonBody.CheckContentType(request) is { } contentProblem)
        {
            return contentProblem;
        }

        ChatBatchRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, FrontendJsonContext.Default.ChatBatchRequest, cancellationToken);
        }
        catch (JsonException exception)
        {
            return Problems.BadRequest("The body is not valid JSON for a chat batch.", exception.Message);
        }

        if (body?.Messages is not { } messages)
        {
            return Problems.BadRequest("The body must be a JSON object with a 'messages' array.", "Expected {\"messages\": [{\"message\": \"...\"}, ...]}.");
        }

        var limit = options.Value.MaxBatchSize;
        if (messages.Count == 0)
        {
            return Problems.Validation("messages", $"Send from 1 to {limit:N0} messages.");
        }

        if (messages.Count > limit)
        {
            return Problems.BatchTooLarge(messages.Count, limit);
        }

        var caller = ApiCaller.From(user);
        if (limiter.TryTake(request.HttpContext, caller, messages.Count) is { } limited)
        {
            return limited;
        }

        var items = new ChatBatchItem[messages.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, messages.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentSubmissions, CancellationToken = cancellationToken },
            async (index, token) => items[index] = messages[index] is { } message
                ? await SubmitItemAsync(submitter, message, caller, token)
                : new ChatBatchItem(null, null, ProblemOf(Problems.BadRequest("The item must be a JSON object.", "Expected {\"message\": \"...\"}."))));
        return TypedResults.Ok(new ChatBatchResponse(items));
    }

    /// <summary>
    /// The failures that end a lone POST /chat in the exception handler end only their own item here: the items
    /// already accepted must still be reported, or a client could not learn the ids generated for them.
    /// </summary>
    private static async Task<ChatBatchItem> SubmitItemAsync(ChatSubmitter submitter, ChatRequest message, ApiCaller caller, CancellationToken cancellationToken)
    {
        try
        {
            return ItemFor(await submitter.SubmitAsync(message, caller, cancellationToken));
        }
        catch (TemporarilyUnavailableException unavailable)
        {
            return new ChatBatchItem(message.Id, null, ProblemOf(Problems.UnavailableItem(unavailable.Message, unavailable.RetryAfter)));
        }
        catch (ChatValidationException invalid)
        {
            return new ChatBatchItem(message.Id, null, ProblemOf(Problems.BadRequest("Invalid message.", invalid.Message)));
        }
    }

    private static ChatBatchItem ItemFor(SubmitAnswer answer) => answer.Kind switch
    {
        // As POST /chat's 202 says "queued", whatever the message has reached since.
        SubmitAnswerKind.Queued => new ChatBatchItem(answer.Id, ResultResponse.StatusName(ChatStatus.Queued), null),
        SubmitAnswerKind.Existing => new ChatBatchItem(answer.Id, ResultResponse.StatusName(answer.Result!.Status), null),
        SubmitAnswerKind.Invalid => new ChatBatchItem(answer.Id, null, ProblemOf(answer.Problem!)),
        SubmitAnswerKind.Conflict => new ChatBatchItem(answer.Id, null, ProblemOf(Problems.Conflict(answer.Id!))),
        SubmitAnswerKind.Busy => new ChatBatchItem(answer.Id, null, ProblemOf(Problems.BusyItem(answer.RetryAfter))),
        SubmitAnswerKind.OutcomeUnknown => new ChatBatchItem(answer.Id, null, ProblemOf(Problems.OutcomeUnknownItem(answer.Id!))),
        _ => throw new InvalidOperationException($"Unknown submit answer {answer.Kind}."),
    };

    /// <summary>
    /// The item's problem as plain problem details: a validation problem's <c>errors</c> become an extension, which
    /// reads the same in JSON, so every item's problem has one shape.
    /// </summary>
    private static ProblemDetails ProblemOf(ProblemHttpResult result)
    {
        var source = result.ProblemDetails;
        var problem = new ProblemDetails { Type = source.Type, Title = source.Title, Status = source.Status, Detail = source.Detail };
        foreach (var (key, value) in source.Extensions)
        {
            problem.Extensions[key] = value;
        }

        if (source is HttpValidationProblemDetails validation)
        {
            problem.Extensions["errors"] = validation.Errors;
        }

        return problem;
    }
}
