using Grains.Interfaces;
using Grains.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Grains.Work;

/// <summary>Processes one message: claim it on its result grain, run the processor, record the outcome.</summary>
public sealed partial class ChatJobRunner(
    IGrainFactory grains,
    IChatClient processor,
    SiloWorkload workload,
    WorkAcknowledgement acknowledgement,
    IOptions<ProcessingOptions> options,
    ILogger<ChatJobRunner> logger)
{
    private static readonly TimeSpan ResultCallWindow = TimeSpan.FromSeconds(60);

    public async Task RunAsync(ReceivedWork work, string worker, CancellationToken cancellation)
    {
        var item = work.Item;
        var result = grains.GetGrain<IChatResultGrain>(item.Id);
        ClaimOutcome claim;
        var claimId = Guid.NewGuid();
        try
        {
            claim = await CallResultAsync(() => result.TryStart(worker, workload.SiloAddress, claimId).AsTask());
        }
        catch (Exception exception)
        {
            // Not acknowledged: the delivery comes back after the lease.
            LogClaimFailed(logger, exception, item.Id);
            return;
        }

        if (claim.Status == ClaimStatus.Ended)
        {
            // A duplicate delivery of a message that has ended: spent.
            LogSkipped(logger, item.Id, claim.Status);
            await acknowledgement.AcknowledgeAsync(worker, work);
            return;
        }

        if (claim.Status == ClaimStatus.Running)
        {
            // Running elsewhere: left unacknowledged, so it comes back if that attempt's silo dies.
            LogSkipped(logger, item.Id, claim.Status);
            return;
        }

        workload.RecordStarted();
        var outcome = WorkOutcome.Failed;
        try
        {
            var (reply, error) = await ProcessAsync(item, claim.Attempt, cancellation);
            if (cancellation.IsCancellationRequested)
            {
                // Cancelled by the client: the result grain already says so.
                outcome = WorkOutcome.Cancelled;
            }
            else if (reply is not null)
            {
                outcome = await CallResultAsync(() => result.Complete(claim.Attempt, reply).AsTask()) ? WorkOutcome.Completed : WorkOutcome.Failed;
            }
            else
            {
                // A retry is back in the stream, as a new entry, before this returns.
                var failed = await CallResultAsync(() => result.Fail(claim.Attempt, error!).AsTask());
                outcome = failed.RetryAfter is not null ? WorkOutcome.Retrying : WorkOutcome.Failed;
            }

            await acknowledgement.AcknowledgeAsync(worker, work);
        }
        catch (Exception exception)
        {
            LogRecordFailed(logger, exception, item.Id);
        }
        finally
        {
            workload.RecordFinished(outcome);
        }
    }

    /// <summary>
    /// Calls the message's result grain, riding out the death of the silo it was active on: once the cluster
    /// notices, the next call activates it elsewhere from storage. Every call here is safe to repeat, since
    /// a claim or an outcome names its attempt. Past the window, the stream's lease takes over.
    /// </summary>
    private static async Task<T> CallResultAsync<T>(Func<Task<T>> call)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (exception is SiloUnavailableException or OrleansMessageRejectionException
                or ConnectionFailedException or TimeoutException
                && TimeProvider.System.GetElapsedTime(started) + delay < ResultCallWindow)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    /// <summary>Runs the processor under the attempt's time limit; a hang is cancelled and becomes an error.</summary>
    private async Task<(string? Reply, string? Error)> ProcessAsync(ChatWorkItem item, int attempt, CancellationToken cancellation)
    {
        var limit = TimeSpan.FromSeconds(options.Value.TimeoutSeconds);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(workload.Stopping, cancellation);
        timeout.CancelAfter(limit);
        try
        {
            var response = await processor.GetResponseAsync([new ChatMessage(ChatRole.User, item.Message)], cancellationToken: timeout.Token);
            return (response.Text, null);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return (null, "Cancelled.");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !workload.Stopping.IsCancellationRequested)
        {
            LogTimedOut(logger, item.Id, attempt, limit);
            return (null, $"Timed out after {limit.TotalSeconds:0} s.");
        }
        catch (Exception exception)
        {
            LogProcessorFailed(logger, exception, item.Id, attempt);
            return (null, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim message {Id}")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {Id} is not waiting to be processed ({Status}); skipped")]
    private static partial void LogSkipped(ILogger logger, string id, ClaimStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor failed on message {Id}, attempt {Attempt}")]
    private static partial void LogProcessorFailed(ILogger logger, Exception exception, string id, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor timed out on message {Id}, attempt {Attempt} (limit {Limit})")]
    private static partial void LogTimedOut(ILogger logger, string id, int attempt, TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the outcome of message {Id}; it will be delivered again after the lease")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string id);
}
