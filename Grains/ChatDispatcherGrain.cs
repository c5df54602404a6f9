using Chat.Configuration;
using Grains.Interfaces;
using Grains.Load;
using Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Grains;

/// <summary>
/// Entry point for new messages. Stateless, so every gateway silo runs its own activations and no single
/// grain sees all traffic. Spreads messages round-robin over the work-stream partitions.
/// </summary>
[StatelessWorker]
public sealed class ChatDispatcherGrain(
    BacklogGate backlog,
    IOptions<ChatOptions> chatOptions,
    IOptions<StreamingOptions> streamingOptions) : Grain, IChatDispatcherGrain
{
    // Each activation starts at a random partition so that several activations do not move in step.
    private uint _next = (uint)Random.Shared.Next();

    public async ValueTask<SubmitOutcome> Submit(ChatSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (!ChatRules.IsValidId(submission.Id))
        {
            throw new ChatValidationException(ChatRules.CheckIdMessage(submission.Id));
        }

        if (ChatRules.CheckMessage(submission.Message, chatOptions.Value.MaxMessageLength) is { } problem)
        {
            throw new ChatValidationException(problem);
        }

        var result = GrainFactory.GetGrain<IChatResultGrain>(submission.Id);
        if (backlog.IsFull(out var retryAfter))
        {
            // A resubmission of a message the cluster already holds is answered even when full.
            return await result.Get() is { } existing
                ? new SubmitOutcome(existing.Message == submission.Message ? SubmitStatus.Existing : SubmitStatus.Conflict, existing, TimeSpan.Zero)
                : new SubmitOutcome(SubmitStatus.Busy, null, retryAfter);
        }

        var partition = (int)(_next++ % (uint)streamingOptions.Value.Partitions);
        return await result.Accept(submission.Message, partition, submission.Request);
    }
}
