using Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Grains.Conversations;

/// <summary>Whose turn it is: recording how messages ended, and releasing the next one.</summary>
public sealed partial class ConversationGrain
{
    private async Task<SubmitOutcome> AcceptAsync(ConversationEntry entry, Guid request, bool held)
    {
        var partition = Random.Shared.Next(streamingOptions.Value.Partitions);
        var submission = new ChatSubmission(entry.Id, entry.Message, request, state.State.Backend, Id, held, entry.CallbackUrl);
        var outcome = await Result(entry.Id).Accept(submission, partition);
        if (outcome.Status is SubmitStatus.Accepted or SubmitStatus.Existing)
        {
            EnsureChecking();
        }

        return outcome;
    }

    /// <summary>Records an ended message's outcome once; a repeated or stale notice changes nothing.</summary>
    private async Task RecordAsync(ChatResult result)
    {
        var index = Messages.FindIndex(entry => entry.Id == result.Id);
        if (index < 0 || Messages[index].IsTerminal || !result.IsTerminal)
        {
            return;
        }

        Messages[index] = EntryOf(result);
        await WriteAsync();
        Changed();
    }

    /// <summary>
    /// Brings the first unfinished message along: accepts it if its result grain never got it, records it if it has
    /// ended (and moves on to the next), releases it if it is still held.
    /// </summary>
    private async Task AdvanceAsync()
    {
        while (Exists && Messages.FirstOrDefault(entry => !entry.IsTerminal) is { } head)
        {
            var current = await Result(head.Id).Get();
            if (current is null)
            {
                // Stored here, but its result grain never got it (a silo died in between). An id another message took
                // since was never this conversation's: it is dropped, and the next one's turn comes.
                if ((await AcceptAsync(head, Guid.Empty, held: false)).Status != SubmitStatus.Conflict)
                {
                    return;
                }

                Messages.Remove(head);
                await WriteAsync();
                continue;
            }

            if (current.IsTerminal)
            {
                await RecordAsync(current);
                continue;
            }

            if (current.Status == ChatStatus.Queued)
            {
                // Not awaited: the result grain may be busy telling this grain something (a cancel), and would wait on
                // it. Releasing a released message changes nothing, and the check repeats it if it was lost.
                _ = ReleaseAsync(head.Id);
            }

            EnsureChecking();
            return;
        }

        StopChecking();
    }

    private async Task ReleaseAsync(string messageId)
    {
        try
        {
            await Result(messageId).Release();
        }
        catch (Exception exception)
        {
            LogReleaseFailed(logger, exception, messageId, Id);
        }
    }

    private async Task CheckAsync()
    {
        try
        {
            await AdvanceAsync();
        }
        catch (Exception exception)
        {
            // Tried again by the timer, and by the next notice.
            LogCheckFailed(logger, exception, Id);
            EnsureChecking();
        }
    }

    private void EnsureChecking() =>
        // Kept alive while a message is unfinished, so the conversation keeps watching over it.
        _check ??= this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(CheckPeriod, CheckPeriod) { KeepAlive = true });

    private void StopChecking()
    {
        _check?.Dispose();
        _check = null;
    }

    /// <summary>Wakes the event streams waiting for a new message.</summary>
    private void Changed() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private IChatResultGrain Result(string messageId) => GrainFactory.GetResultGrain(messageId);

    private static ConversationEntry EntryOf(ChatResult result) =>
        new(result.Id, result.Message, result.Status, result.Reply, result.EnqueuedAt, result.CompletedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release message {MessageId} of conversation {Id}; the check tries again")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string messageId, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not bring conversation {Id} along; trying again")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string id);
}
