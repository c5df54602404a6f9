using Grains.Interfaces;

namespace Grains.Lifecycle;

/// <summary>How an attempt ends: replied, failed (retried, handed to a fallback, or failed for good), turned away for now, or cut off.</summary>
public static partial class MessageLifecycle
{
    private static Transition OnComplete(MessageState state, Complete complete)
    {
        if (!IsRunning(state, complete.Attempt))
        {
            var recorded = state.Status == ChatStatus.Completed && state.Attempts == complete.Attempt;
            return new Transition(state, recorded ? Verdict.Repeated : Verdict.Stale);
        }

        return Applied(state with
        {
            Status = ChatStatus.Completed,
            Reply = complete.Reply,
            Error = null,
            CompletedAt = complete.At,
            Model = complete.Model,
            InputTokens = complete.InputTokens,
            OutputTokens = complete.OutputTokens,
            Deferrals = 0,
        });
    }

    private static Transition OnFail(MessageState state, Fail fail, LifecyclePolicy policy)
    {
        if (!IsRunning(state, fail.Attempt))
        {
            var recorded = state.Status is ChatStatus.Failed or ChatStatus.Queued
                && state.Attempts == fail.Attempt
                && string.Equals(state.Error, fail.Error, StringComparison.Ordinal);
            return recorded
                ? new Transition(state, Verdict.Repeated, state.Status == ChatStatus.Queued ? TimeSpan.Zero : null)
                : new Transition(state, Verdict.Stale);
        }

        return Failed(state, fail.Error, fail.Jitter, fail.At, policy);
    }

    /// <summary>An attempt failed: retried after a backoff, handed to the fallback backend, or failed for good.</summary>
    private static Transition Failed(MessageState state, string error, double jitter, DateTimeOffset at, LifecyclePolicy policy)
    {
        if (state.AttemptsThisRound >= policy.MaxAttempts && policy.FallbackOf(state.Backend) is { } fallback)
        {
            // The fallback gets a full allowance of attempts, at once. Fallback chains are checked for cycles at start-up.
            return Applied(
                state with
                {
                    Status = ChatStatus.Queued,
                    Backend = fallback,
                    Error = error,
                    RoundStartAttempts = state.Attempts,
                    Deferrals = 0,
                    Outbox = Outbox.Empty with { Publish = true },
                },
                retryAfter: TimeSpan.Zero);
        }

        if (state.AttemptsThisRound >= policy.MaxAttempts)
        {
            return Applied(state with
            {
                Status = ChatStatus.Failed,
                Error = error,
                CompletedAt = at,
                Deferrals = 0,
                Outbox = Outbox.Empty with { DeadLetter = DeadLetterChange.Add },
            });
        }

        // Queued again, keeping the error so clients see why. The backoff travels with the stream entry, so no
        // timer that a dying silo could lose holds the retry.
        var delay = policy.RetryDelay(state.AttemptsThisRound, jitter);
        return Applied(
            state with { Status = ChatStatus.Queued, Error = error, Deferrals = 0, Outbox = new Outbox(true, at + delay, DeadLetterChange.None) },
            retryAfter: delay);
    }

    private static Transition OnAbandon(MessageState state, Abandon abandon)
    {
        if (!IsRunning(state, abandon.Attempt))
        {
            var recorded = state.Status == ChatStatus.Queued && state.Attempts == abandon.Attempt
                && string.Equals(state.Error, abandon.Reason, StringComparison.Ordinal);
            return new Transition(state, recorded ? Verdict.Repeated : Verdict.Stale);
        }

        // Not the message's failure: the attempt does not count toward the limit.
        return Applied(state with
        {
            Status = ChatStatus.Queued,
            Error = abandon.Reason,
            RoundStartAttempts = state.RoundStartAttempts + 1,
            Outbox = Outbox.Empty with { Publish = true },
        });
    }

    private static Transition OnDefer(MessageState state, Defer defer, LifecyclePolicy policy)
    {
        if (!IsRunning(state, defer.Attempt))
        {
            // A deferral past the bound was recorded as a failure whose error starts with the reason.
            var recorded = state.Status is ChatStatus.Queued or ChatStatus.Failed && state.Attempts == defer.Attempt
                && state.Error?.StartsWith(defer.Reason, StringComparison.Ordinal) == true;
            return recorded
                ? new Transition(state, Verdict.Repeated, state.Status == ChatStatus.Queued ? defer.Wait : null)
                : new Transition(state, Verdict.Stale);
        }

        if (state.Deferrals >= policy.MaxDeferrals)
        {
            // A backend that never stops turning the message away fails it like any other error, so it ends.
            return Failed(state, $"{defer.Reason} (turned away {state.Deferrals + 1} times in a row)", 0, defer.At, policy);
        }

        // Not the message's failure: the attempt does not count toward the limit.
        return Applied(
            state with
            {
                Status = ChatStatus.Queued,
                Error = defer.Reason,
                RoundStartAttempts = state.RoundStartAttempts + 1,
                Deferrals = state.Deferrals + 1,
                Outbox = new Outbox(true, defer.At + defer.Wait, DeadLetterChange.None),
            },
            retryAfter: defer.Wait);
    }
}
