using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Streams;
using Grains.Webhooks;
using Grains.Work;
using Microsoft.Extensions.Logging;

namespace Grains.Results;

/// <summary>Carries out what a result grain's transitions ask for, beyond storing the state.</summary>
public sealed partial class ResultEffects(
    IGrainFactory grains, WorkStream stream, SiloWorkload workload, WebhookHandOver webhooks, ILogger<ResultEffects> logger)
{
    /// <summary>
    /// The durable effects, each safe to repeat. Published after the dead-letter change, so that a message handed
    /// back to the stream is never still listed as failed.
    /// </summary>
    public async Task CarryOutAsync(string id, MessageState state, int? partition)
    {
        var outbox = state.Outbox;
        if (outbox.DeadLetter == DeadLetterChange.Add)
        {
            await grains.GetGrain<IDeadLetterGrain>(0).Add(id, state.CompletedAt ?? DateTimeOffset.UtcNow);
        }
        else if (outbox.DeadLetter == DeadLetterChange.Remove)
        {
            await grains.GetGrain<IDeadLetterGrain>(0).Remove(id);
        }

        if (outbox.Publish)
        {
            await stream.PublishAsync(
                new ChatWorkItem(id, state.Message, state.EnqueuedAt, outbox.NotBefore, state.Backend, state.ConversationId, state.TraceParent), partition);
            // Newly waiting work: the backlog gate counts it until the next load report sees it in a lane.
            workload.RecordAccepted();
        }

        if (outbox.NotifyConversation && state.ConversationId is { } conversation)
        {
            await grains.GetGrain<IConversationGrain>(conversation).MessageEnded(state.ToResult(id));
        }

        if (outbox.NotifyWebhooks)
        {
            await webhooks.HandOverAsync(id, state);
        }
    }

    /// <summary>A failed message past its retention leaves the dead letters with it.</summary>
    public async Task ForgetAsync(string id, MessageState state)
    {
        if (state.Status == ChatStatus.Failed)
        {
            await grains.GetGrain<IDeadLetterGrain>(0).Remove(id);
        }
    }

    /// <summary>Best effort: if the worker cannot be reached, the attempt's late reply is ignored anyway.</summary>
    public async Task StopAttemptAsync(string id, string worker)
    {
        try
        {
            await grains.GetGrain<IChatWorkerGrain>(worker).CancelRunning(id);
        }
        catch (Exception exception)
        {
            LogStopFailed(logger, exception, worker, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reach worker {Worker} to stop message {Id}; its reply will be ignored")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string worker, string id);
}
