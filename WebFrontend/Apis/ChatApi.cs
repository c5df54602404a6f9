using System.Security.Claims;
using System.Text.Json;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>POST /chat: accept a message for processing; POST /chat/batch: many at once; DELETE /chat/{id}: cancel one.</summary>
public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/chat").WithTags("Chat").RequireKey().ProducesProblems(ProblemResponses.Unavailable);
        group.MapPost("/", SubmitAsync)
            .Accepts<ChatRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/batch", ChatBatchApi.SubmitAsync)
            .Accepts<ChatBatchRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
        group.MapDelete("/{id}", CancelAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Accepted<ChatAccepted>, Ok<ResultResponse>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request,
        ClaimsPrincipal user,
        ChatSubmitter submitter,
        MessageRateLimiter limiter,
        CancellationToken cancellationToken)
    {
        // The body is read by hand so that every way it can be wrong gets its own problem details.
        if (JsonBody.CheckContentType(request) is { } contentProblem)
        {
            return contentProblem;
        }

        ChatRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, FrontendJsonContext.Default.ChatRequest, cancellationToken);
        }
        catch (JsonException exception) when (exception.Path == "$.message")
        {
            // The field itself cannot be read, e.g. an escaped lone surrogate, which no UTF-8 text can hold.
            return Problems.Validation("message", $"The 'message' field cannot be read: {exception.Message}");
        }
        catch (JsonException exception)
        {
            return Problems.BadRequest("The body is not valid JSON for a chat request.", exception.Message);
        }

        if (body is null)
        {
            return Problems.BadRequest("The body must be a JSON object.", "Expected {\"message\": \"...\"}.");
        }

        var caller = ApiCaller.From(user);
        if (limiter.TryTake(request.HttpContext, caller, 1) is { } limited)
        {
            return limited;
        }

        var answer = await submitter.SubmitAsync(body, caller, cancellationToken);
        return answer.Kind switch
        {
            SubmitAnswerKind.Queued => Accepted(answer.Result!),
            SubmitAnswerKind.Existing => TypedResults.Ok(ResultResponse.From(answer.Result!)),
            SubmitAnswerKind.Invalid => answer.Problem!,
            SubmitAnswerKind.Conflict => Problems.Conflict(answer.Id!),
            SubmitAnswerKind.Busy => Problems.Busy(request.HttpContext, answer.RetryAfter),
            SubmitAnswerKind.OutcomeUnknown => Problems.OutcomeUnknown(request.HttpContext, answer.Id!),
            _ => throw new InvalidOperationException($"Unknown submit answer {answer.Kind}."),
        };
    }

    /// <summary>200 with the cancelled result (also when it was already cancelled); 409 if it completed or failed; 404 if unknown.</summary>
    public static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> CancelAsync(
        string id, ClaimsPrincipal user, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (caller.KeyOfRoute(id) is not { } key)
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var outcome = await cluster.CallAsync(grains => grains.GetResultGrain(key).Cancel().AsTask(), cancellationToken);
        return outcome switch
        {
            { Cancelled: true, Result: { } result } => TypedResults.Ok(ResultResponse.From(caller.Shown(result))),
            { Result: { } ended } => Problems.WrongState(
                id, ResultResponse.StatusName(ended.Status), "queued or processing messages can be cancelled"),
            _ => Problems.NotFound($"No message with id '{id}'."),
        };
    }

    private static Accepted<ChatAccepted> Accepted(ChatResult result) =>
        TypedResults.Accepted($"/result/{result.Id}", new ChatAccepted(result.Id, ResultResponse.StatusName(ChatStatus.Queued)));
}
