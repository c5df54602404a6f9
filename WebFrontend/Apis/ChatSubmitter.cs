using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>What became of one submitted message; the endpoint turns it into its own answer.</summary>
public enum SubmitAnswerKind
{
    /// <summary>Queued now, or earlier by this same request (a repeat after a lost reply).</summary>
    Queued,

    /// <summary>The id already holds this message: <see cref="SubmitAnswer.Result"/> is its current state.</summary>
    Existing,

    /// <summary>Refused before or by the cluster: <see cref="SubmitAnswer.Problem"/> says why (400).</summary>
    Invalid,

    /// <summary>The id already holds a different message (409).</summary>
    Conflict,

    /// <summary>The backlog is full (503 with <see cref="SubmitAnswer.RetryAfter"/>).</summary>
    Busy,

    /// <summary>The cluster stopped answering: the message may have been stored under <see cref="SubmitAnswer.Id"/> (503).</summary>
    OutcomeUnknown,
}

public sealed record SubmitAnswer(
    SubmitAnswerKind Kind, string? Id, ChatResult? Result = null, ProblemHttpResult? Problem = null, TimeSpan RetryAfter = default);

/// <summary>
/// One message's checks and its submission to the cluster, shared by POST /chat and each item of POST /chat/batch, so
/// both accept the same messages and keep the same idempotency.
/// </summary>
public sealed class ChatSubmitter(ClusterCaller cluster, IOptions<ChatOptions> options, CallbackAddresses callbacks)
{
    public async Task<SubmitAnswer> SubmitAsync(ChatRequest body, ApiCaller caller, CancellationToken cancellationToken)
    {
        if (await CheckAsync(body, cancellationToken) is { } problem)
        {
            return new SubmitAnswer(SubmitAnswerKind.Invalid, body.Id, Problem: problem);
        }

        // One request id however often the call is repeated, so a repeat after a lost reply is answered as the first.
        // The client's id, kept under its key's tenant: the same id from another key is another message.
        var generatedId = body.Id is null;
        var id = body.Id ?? ChatRules.NewId();
        var submission = new ChatSubmission(caller.KeyOf(id), body.Message!, Guid.NewGuid(), body.Backend, CallbackUrl: body.CallbackUrl);
        SubmitOutcome outcome;
        try
        {
            outcome = await cluster.CallAsync(
                grains => grains.GetDispatcherGrain(IChatDispatcherGrain.AnyKey()).Submit(submission).AsTask(), cancellationToken);
        }
        catch (UnknownBackendException unknown)
        {
            return new SubmitAnswer(SubmitAnswerKind.Invalid, body.Id, Problem: Problems.UnknownBackend(unknown.Backend, unknown.Known));
        }
        catch (ClusterUnavailableException)
        {
            // The message may have been stored before the cluster stopped answering: the client gets its id, to read
            // it or to resubmit under it, which is safe either way.
            return new SubmitAnswer(SubmitAnswerKind.OutcomeUnknown, id);
        }

        var result = outcome.Result is { } stored ? caller.Shown(stored) : null;
        return outcome.Status switch
        {
            // A repeat of this request after a lost reply is answered Accepted by the cluster itself. Existing under
            // an id this frontend generated cannot be another client's message either, so it is this one too.
            SubmitStatus.Accepted => new SubmitAnswer(SubmitAnswerKind.Queued, id, result),
            SubmitStatus.Existing when generatedId => new SubmitAnswer(SubmitAnswerKind.Queued, id, result),
            SubmitStatus.Existing => new SubmitAnswer(SubmitAnswerKind.Existing, id, result),
            SubmitStatus.Conflict => new SubmitAnswer(SubmitAnswerKind.Conflict, id),
            SubmitStatus.Busy => new SubmitAnswer(SubmitAnswerKind.Busy, id, RetryAfter: outcome.RetryAfter),
            _ => throw new InvalidOperationException($"Unknown submit status {outcome.Status}."),
        };
    }

    private async Task<ProblemHttpResult?> CheckAsync(ChatRequest body, CancellationToken cancellationToken)
    {
        if (ChatRules.CheckMessage(body.Message, options.Value.MaxMessageLength) is { } messageProblem)
        {
            return Problems.Validation("message", messageProblem);
        }

        if (body.Id is not null && !ChatRules.IsValidId(body.Id))
        {
            return Problems.Validation("id", ChatRules.CheckIdMessage(body.Id));
        }

        if (body.Backend is not null && !BackendNames.IsValid(body.Backend))
        {
            return Problems.Validation("backend", $"The backend name '{body.Backend}' is not valid: use {BackendNames.Rule}.");
        }

        // Last, since it may ask DNS: a callback may not point the cluster at the services beside it.
        return body.CallbackUrl is not null && await callbacks.CheckAsync(body.CallbackUrl, cancellationToken) is { } callbackProblem
            ? Problems.Validation("callbackUrl", callbackProblem)
            : null;
    }
}
