using Chat.Configuration;
using Grains.Backends;
using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Load;
using Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grains;

/// <summary>
/// Entry point for new messages. Stateless, so every gateway silo runs its own activations and no single
/// grain sees all traffic. Spreads messages round-robin over the partitions of the backend each one is for.
/// </summary>
[StatelessWorker]
public sealed class ChatDispatcherGrain(
    BacklogGate backlog,
    BackendCatalog backends,
    IOptions<ChatOptions> chatOptions,
    IOptions<StreamingOptions> streamingOptions) : Grain, IChatDispatcherGrain
{
    // Each activation starts at a random partition so that several activations do not move in step.
    private uint _next = (uint)Random.Shared.Next();

    public async ValueTask<SubmitOutcome> Submit(ChatSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        using var span = ChatTracing.StartSubmit(submission);
        if (!TenantKeys.IsValid(submission.Id))
        {
            throw new ChatValidationException(ChatRules.CheckIdMessage(TenantKeys.IdOf(submission.Id)));
        }

        if (ChatRules.CheckMessage(submission.Message, chatOptions.Value.MaxMessageLength) is { } problem)
        {
            throw new ChatValidationException(problem);
        }

        var backend = backends.Find(submission.Backend) ?? throw new UnknownBackendException(submission.Backend!, backends.Names);

        // When full, a message the cluster already holds is still answered (a resubmission, or this same request
        // repeated after a lost reply); only a new one is turned away.
        var full = backlog.IsFull(out var retryAfter);
        var partition = (int)(_next++ % (uint)streamingOptions.Value.Partitions);
        var outcome = await GrainFactory.GetResultGrain(submission.Id).Accept(submission with { Backend = backend.Name }, partition, !full);
        ChatTracing.Submitted(span, outcome);
        return outcome.Status == SubmitStatus.Busy ? outcome with { RetryAfter = retryAfter } : outcome;
    }
}
