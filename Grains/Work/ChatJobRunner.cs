using Grains.Interfaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Grains.Work;

/// <summary>Processes one message: claim it on its result grain, run the processor, record the outcome.</summary>
public sealed partial class ChatJobRunner(
    IGrainFactory grains,
    IChatClient processor,
    SiloWorkload workload,
    ILogger<ChatJobRunner> logger)
{
    public async Task RunAsync(ChatWorkItem item, string worker)
    {
        var result = grains.GetGrain<IChatResultGrain>(item.Id);
        int? attempt;
        try
        {
            attempt = await result.TryStart(worker, workload.SiloName);
        }
        catch (Exception exception)
        {
            LogClaimFailed(logger, exception, item.Id);
            return;
        }

        if (attempt is not { } claimed)
        {
            // Already running elsewhere, finished or cancelled: a duplicate delivery, nothing to do.
            LogSkipped(logger, item.Id);
            return;
        }

        workload.RecordStarted();
        var succeeded = false;
        try
        {
            string? reply = null;
            string? error = null;
            try
            {
                var response = await processor.GetResponseAsync(
                    [new ChatMessage(ChatRole.User, item.Message)],
                    cancellationToken: workload.Stopping);
                reply = response.Text;
            }
            catch (Exception exception)
            {
                error = $"{exception.GetType().Name}: {exception.Message}";
                LogProcessorFailed(logger, exception, item.Id, claimed);
            }

            if (reply is not null)
            {
                succeeded = await result.Complete(claimed, reply);
            }
            else
            {
                await result.Fail(claimed, error!);
            }
        }
        catch (Exception exception)
        {
            LogRecordFailed(logger, exception, item.Id);
        }
        finally
        {
            workload.RecordFinished(succeeded);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not claim message {Id}")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {Id} is not waiting to be processed; skipped")]
    private static partial void LogSkipped(ILogger logger, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Processor failed on message {Id}, attempt {Attempt}")]
    private static partial void LogProcessorFailed(ILogger logger, Exception exception, string id, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the outcome of message {Id}")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string id);
}
