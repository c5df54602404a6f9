using Grains.Backends;
using Grains.Conversations;
using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Work;

/// <summary>
/// Owns one delivery of a message from start to end: claim it on its result grain, send it to its backend under the
/// attempt's time limit, give back the backend's permit, record the outcome, acknowledge the stream entry. The stream
/// entry is acknowledged only once the result grain has recorded what became of it.
/// </summary>
public sealed partial class AttemptRunner(
    IGrainFactory grains,
    BackendClients backends,
    BackendPermits permits,
    SiloWorkload workload,
    WorkAcknowledgement acknowledgement,
    ChatMetrics metrics,
    ConversationPrompts prompts,
    IOptions<ProcessingOptions> options,
    ILogger<AttemptRunner> logger)
{
    private readonly ResultCalls _results = new(logger);
    private readonly TimeSpan _deltaInterval = TimeSpan.FromMilliseconds(options.Value.DeltaIntervalMs);

    // One tally for the silo, as for the other result grain calls: a dead silo fails every attempt's pieces at once.
    private readonly RepeatedFailures _deltaFailures = new(TimeSpan.FromSeconds(10));

    public async Task RunAsync(ReceivedWork work, string worker, BackendDefinition backend, BackendPermit permit, CancellationToken cancellation)
    {
        var item = work.Item;
        using var span = ChatTracing.StartProcess(item, backend.Name, worker);
        var result = grains.GetResultGrain(item.Id);
        var claimId = Guid.NewGuid();
        ClaimOutcome claim;
        try
        {
            claim = await _results.CallAsync(() => result.TryStart(worker, workload.SiloAddress, claimId).AsTask());
        }
        catch (Exception exception)
        {
            // Not acknowledged: the delivery comes back after the lease.
            LogClaimFailed(logger, exception, item.Id);
            return;
        }

        if (claim.Status != ClaimStatus.Claimed)
        {
            LogSkipped(logger, item.Id, claim.Status);
            if (claim.Status == ClaimStatus.Ended)
            {
                // A duplicate delivery of a message that has ended: spent. A message running elsewhere is left
                // unacknowledged instead, so it comes back if that attempt's silo dies.
                await acknowledgement.AcknowledgeAsync(worker, work);
            }

            return;
        }

        workload.RecordStarted(backend.Name);
        var outcome = WorkOutcome.Unrecorded;
        ChatReply? reply = null;
        try
        {
            var processed = await ProcessAsync(item, result, backend, claim.Attempt, cancellation);
            reply = processed.Reply;
            if (processed.Kind == ProcessedKind.Busy)
            {
                // Before the permit goes back, so the gate grants nothing more to a backend that asked to wait.
                await permits.HoldOffAsync(backend.Name, processed.Wait);
            }

            await permit.ReleaseAsync((reply?.InputTokens ?? 0) + (reply?.OutputTokens ?? 0));
            outcome = await RecordAsync(result, claim.Attempt, processed);
            // A superseded attempt was taken over, and the takeover may still be running elsewhere on this same
            // entry: acknowledged now, it would not come back if that silo died too.
            if (outcome != WorkOutcome.Superseded || (await _results.CallAsync(() => result.Get().AsTask()))?.IsTerminal != false)
            {
                await acknowledgement.AcknowledgeAsync(worker, work);
            }
        }
        catch (Exception exception)
        {
            LogRecordFailed(logger, exception, item.Id);
        }
        finally
        {
            ChatTracing.Processed(span, outcome);
            workload.RecordFinished(backend.Name, outcome, reply);
        }
    }

    private async Task<WorkOutcome> RecordAsync(IChatResultGrain result, int attempt, Processed processed) => processed switch
    {
        { Kind: ProcessedKind.Replied } => await _results.CallAsync(() => result.Complete(attempt, processed.Reply!).AsTask())
            ? WorkOutcome.Completed : WorkOutcome.Superseded,
        { Kind: ProcessedKind.Busy } => await _results.CallAsync(() => result.Defer(attempt, processed.Text, processed.Wait).AsTask()) switch
        {
            { Recorded: false } => WorkOutcome.Superseded,
            { RetryAfter: not null } => WorkOutcome.Retrying,
            _ => WorkOutcome.Failed,
        },
        // The result grain already says cancelled; nothing to record.
        { Kind: ProcessedKind.Cancelled } => WorkOutcome.Cancelled,
        { Kind: ProcessedKind.CutOff } => await _results.CallAsync(() => result.Abandon(attempt, processed.Text).AsTask())
            ? WorkOutcome.Abandoned : WorkOutcome.Superseded,
        // A retry is back in the stream, as a new entry, before Fail returns.
        _ => await _results.CallAsync(() => result.Fail(attempt, processed.Text).AsTask()) switch
        {
            { Recorded: false } => WorkOutcome.Superseded,
            { RetryAfter: not null } => WorkOutcome.Retrying,
            _ => WorkOutcome.Failed,
        },
    };

    /// <summary>
    /// Sends the message to its backend under the attempt's time limit, streaming the reply to its result grain as it
    /// comes; a hang is cancelled and becomes an error.
    /// </summary>
    private async Task<Processed> ProcessAsync(ChatWorkItem item, IChatResultGrain result, BackendDefinition backend, int attempt, CancellationToken cancellation)
    {
        using var call = metrics.MeasureBackendCall(backend.Name);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(workload.Stopping, cancellation);
        timeout.CancelAfter(backend.Timeout);
        try
        {
            var updates = backends.Get(backend).GetStreamingResponseAsync(await prompts.ForAsync(item), cancellationToken: timeout.Token);
            var response = await ReplyForwarder.ReadAsync(updates, result, attempt, _deltaInterval, _deltaFailures, logger);
            var reply = new ChatReply(
                response.Text, response.ModelId ?? backend.Model, ToInt(response.Usage?.InputTokenCount), ToInt(response.Usage?.OutputTokenCount));
            // A 200 that carries no reply (an error object in place of choices, say) is not an answer.
            return string.IsNullOrEmpty(response.Text)
                ? new Processed(ProcessedKind.Failed, $"The backend {backend.Name} answered without a reply.", reply)
                : new Processed(ProcessedKind.Replied, response.Text, reply);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return new Processed(ProcessedKind.Cancelled, "Cancelled.");
        }
        catch (OperationCanceledException) when (workload.Stopping.IsCancellationRequested)
        {
            LogCutOff(logger, item.Id, attempt);
            return new Processed(ProcessedKind.CutOff, $"Attempt {attempt} was cut off: its silo stopped before it finished.");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            LogTimedOut(logger, item.Id, attempt, backend.Timeout);
            return new Processed(ProcessedKind.Failed, $"The backend {backend.Name} did not answer within {backend.Timeout.TotalSeconds:0} s.");
        }
        catch (BackendBusyException busy)
        {
            LogBusy(logger, item.Id, backend.Name, busy.Status, busy.RetryAfter);
            return new Processed(ProcessedKind.Busy, $"The backend {backend.Name} answered {busy.Status}: waiting {busy.RetryAfter.TotalSeconds:0.###} s as it asked.", Wait: busy.RetryAfter);
        }
        catch (Exception exception)
        {
            LogProcessorFailed(logger, exception, item.Id, attempt);
            return new Processed(ProcessedKind.Failed, BackendErrors.Describe(backend, exception));
        }
    }

    private static int? ToInt(long? count) => count is { } value ? (int)Math.Min(value, int.MaxValue) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim message {Id}")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {Id} is not waiting to be processed ({Status}); skipped")]
    private static partial void LogSkipped(ILogger logger, string id, ClaimStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backend {Backend} turned message {Id} away ({Status}); it waits {RetryAfter} and does not spend an attempt")]
    private static partial void LogBusy(ILogger logger, string id, string backend, int status, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor failed on message {Id}, attempt {Attempt}")]
    private static partial void LogProcessorFailed(ILogger logger, Exception exception, string id, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor timed out on message {Id}, attempt {Attempt} (limit {Limit})")]
    private static partial void LogTimedOut(ILogger logger, string id, int attempt, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Id}, attempt {Attempt}, cut off by the drain deadline; queued again")]
    private static partial void LogCutOff(ILogger logger, string id, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the outcome of message {Id}; it will be delivered again after the lease")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string id);
}
