using System.Text.Json;
using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>POST /chat: accept a message for processing; DELETE /chat/{id}: cancel it.</summary>
public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/chat").WithTags("Chat");
        group.MapPost("/", SubmitAsync);
        group.MapDelete("/{id}", CancelAsync);
        return app;
    }

    public static async Task<Results<Accepted<ChatAccepted>, Ok<ResultResponse>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request,
        ClusterCaller cluster,
        IOptions<ChatOptions> options,
        CancellationToken cancellationToken)
    {
        // The body is read by hand so that every way it can be wrong gets its own problem details.
        if (!request.HasJsonContentType())
        {
            return Problems.UnsupportedMediaType(request.ContentType);
        }

        // JSON is read as UTF-8 (RFC 8259); a body declared otherwise would be read as different text than was sent.
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && mediaType.Charset is { Length: > 0 } charset
            && !string.Equals(HeaderUtilities.RemoveQuotes(charset).Value, "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.UnsupportedCharset(charset.Value!);
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

        if (ChatRules.CheckMessage(body.Message, options.Value.MaxMessageLength) is { } messageProblem)
        {
            return Problems.Validation("message", messageProblem);
        }

        var generatedId = body.Id is null;
        if (!generatedId && !ChatRules.IsValidId(body.Id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(body.Id));
        }

        if (body.Backend is not null && !BackendNames.IsValid(body.Backend))
        {
            return Problems.Validation("backend", $"The backend name '{body.Backend}' is not valid: use {BackendNames.Rule}.");
        }

        // One request id however often the call is repeated, so a repeat after a lost reply is answered as the first.
        var submission = new ChatSubmission(body.Id ?? ChatRules.NewId(), body.Message!, Guid.NewGuid(), body.Backend);
        SubmitOutcome outcome;
        try
        {
            outcome = await cluster.CallAsync(
                grains => grains.GetGrain<IChatDispatcherGrain>(IChatDispatcherGrain.AnyKey()).Submit(submission).AsTask(), cancellationToken);
        }
        catch (UnknownBackendException unknown)
        {
            return Problems.UnknownBackend(unknown.Backend, unknown.Known);
        }
        catch (ClusterUnavailableException)
        {
            // The message may have been stored before the cluster stopped answering: the client gets its id, to read
            // it or to resubmit under it, which is safe either way.
            return Problems.OutcomeUnknown(request.HttpContext, submission.Id);
        }

        return outcome.Status switch
        {
            // A repeat of this request after a lost reply is answered Accepted by the cluster itself. Existing under
            // an id this frontend generated cannot be another client's message either, so it is this one too.
            SubmitStatus.Accepted => Accepted(outcome.Result!),
            SubmitStatus.Existing when generatedId => Accepted(outcome.Result!),
            SubmitStatus.Existing => TypedResults.Ok(ResultResponse.From(outcome.Result!)),
            SubmitStatus.Conflict => Problems.Conflict(submission.Id),
            SubmitStatus.Busy => Problems.Busy(request.HttpContext, outcome.RetryAfter),
            _ => throw new InvalidOperationException($"Unknown submit status {outcome.Status}."),
        };
    }

    /// <summary>200 with the cancelled result (also when it was already cancelled); 409 if it completed or failed; 404 if unknown.</summary>
    public static async Task<Results<Ok<ResultResponse>, ProblemHttpResult>> CancelAsync(
        string id, ClusterCaller cluster, CancellationToken cancellationToken)
    {
        if (!ChatRules.IsValidId(id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(id));
        }

        var outcome = await cluster.CallAsync(grains => grains.GetGrain<IChatResultGrain>(id).Cancel().AsTask(), cancellationToken);
        return outcome switch
        {
            { Cancelled: true, Result: { } result } => TypedResults.Ok(ResultResponse.From(result)),
            { Result: { } ended } => Problems.WrongState(
                id, ResultResponse.StatusName(ended.Status), "queued or processing messages can be cancelled"),
            _ => Problems.NotFound($"No message with id '{id}'."),
        };
    }

    private static Accepted<ChatAccepted> Accepted(ChatResult result) =>
        TypedResults.Accepted($"/result/{result.Id}", new ChatAccepted(result.Id, ResultResponse.StatusName(ChatStatus.Queued)));
}
