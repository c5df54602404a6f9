using Grains.Interfaces;

namespace Grains.Lifecycle;

/// <summary>
/// The whole life of a message as one function: the current state and an event in, the next state and its effects
/// out. Nothing here touches Orleans, storage or the clock, so every transition is tested without a cluster; the
/// result grain only stores what this returns and carries out its effects.
/// </summary>
/// <remarks>
/// queued (held until Release while an earlier message of its conversation runs) → processing (Claim) → completed
/// (Complete) | queued again (Fail below the limit, Abandon) | failed (Fail at
/// the limit); queued or processing → cancelled (Cancel); failed → queued (Retry, a new round of attempts).
/// Only the running attempt can finish a message, so a late or duplicate reply never overwrites a result; and
/// every event repeated after a lost answer gets the answer it got the first time.
/// </remarks>
public static partial class MessageLifecycle
{
    public static Transition Apply(MessageState? state, MessageEvent @event, LifecyclePolicy policy)
    {
        if (state is { Outbox.IsEmpty: false })
        {
            // Applying on top would drop effects that must happen: the shell carries them out first.
            throw new InvalidOperationException("The outbox of the previous transition has not been carried out.");
        }

        var transition = (state, @event) switch
        {
            (_, Accept accept) => OnAccept(state, accept),
            (null, _) => new Transition(null, Verdict.Unknown),
            (_, Release) => OnRelease(state),
            (_, Claim claim) => OnClaim(state, claim),
            (_, Complete complete) => OnComplete(state, complete),
            (_, Fail fail) => OnFail(state, fail, policy),
            (_, Abandon abandon) => OnAbandon(state, abandon),
            (_, Defer defer) => OnDefer(state, defer, policy),
            (_, Cancel cancel) => OnCancel(state, cancel),
            (_, Retry retry) => OnRetry(state, retry),
            _ => throw new ArgumentException($"Unknown event {@event.GetType().Name}.", nameof(@event)),
        };
        return NoticeToWebhooks(state, NoticeToConversation(state, transition), policy);
    }

    /// <summary>A message that ends is handed, durably, to its webhook delivery when anyone is to be told.</summary>
    private static Transition NoticeToWebhooks(MessageState? before, Transition transition, LifecyclePolicy policy) =>
        transition is { Changed: true, State: { IsTerminal: true } next } && before?.IsTerminal != true && (policy.Webhooks || next.CallbackUrl is not null)
            ? transition with { State = next with { Outbox = next.Outbox with { NotifyWebhooks = true } } }
            : transition;

    /// <summary>A conversation's message that ends tells its conversation, durably, whatever ended it.</summary>
    private static Transition NoticeToConversation(MessageState? before, Transition transition) =>
        transition is { Changed: true, State: { IsTerminal: true, ConversationId: not null } next } && before?.IsTerminal != true
            ? transition with { State = next with { Outbox = next.Outbox with { NotifyConversation = true } } }
            : transition;

    private static Transition OnAccept(MessageState? state, Accept accept)
    {
        if (state is not null)
        {
            // The same id again: the same request is a repeat, the same message a resubmission, another message a conflict.
            var verdict = !string.Equals(state.Message, accept.Message, StringComparison.Ordinal)
                    || !string.Equals(state.RequestedBackend, accept.Backend, StringComparison.OrdinalIgnoreCase)
                    || !string.Equals(state.ConversationId, accept.ConversationId, StringComparison.Ordinal) ? Verdict.Refused
                : accept.Request != Guid.Empty && accept.Request == state.AcceptRequest ? Verdict.Repeated
                : Verdict.Existing;
            return new Transition(state, verdict);
        }

        var accepted = new MessageState
        {
            Message = accept.Message,
            Status = ChatStatus.Queued,
            EnqueuedAt = accept.At,
            AcceptRequest = accept.Request,
            RequestedBackend = accept.Backend,
            Backend = accept.Backend,
            TraceParent = accept.TraceParent,
            ConversationId = accept.ConversationId,
            Held = accept.Held,
            CallbackUrl = accept.CallbackUrl,
            Outbox = Outbox.Empty with { Publish = !accept.Held },
        };
        return Applied(accepted);
    }

    private static Transition OnRelease(MessageState state) => state is { Status: ChatStatus.Queued, Held: true }
        ? Applied(state with { Held = false, Outbox = Outbox.Empty with { Publish = true } })
        // Released already, or ended (a held message may be cancelled): nothing left to release.
        : new Transition(state, Verdict.Repeated);

    private static Transition OnClaim(MessageState state, Claim claim)
    {
        if (state.Status == ChatStatus.Processing && state.Holder?.Claim == claim.Holder.Claim)
        {
            return new Transition(state, Verdict.Repeated);
        }

        // A held message was never published, so no delivery of it should exist; one that did would run out of turn.
        var claimable = (state.Status == ChatStatus.Queued && !state.Held) || (state.Status == ChatStatus.Processing && claim.RunningAttemptAbandoned);
        if (!claimable)
        {
            return new Transition(state, Verdict.Refused);
        }

        // Taking over an abandoned attempt bumps the attempt number, so its late reply is stale; the abandoned
        // attempt does not count toward the limit.
        var takeover = state.Status == ChatStatus.Processing;
        return Applied(state with
        {
            Status = ChatStatus.Processing,
            Holder = claim.Holder,
            Attempts = state.Attempts + 1,
            RoundStartAttempts = state.RoundStartAttempts + (takeover ? 1 : 0),
            StartedAt = claim.At,
        });
    }

    private static Transition OnCancel(MessageState state, Cancel cancel) => state.Status switch
    {
        ChatStatus.Cancelled => new Transition(state, Verdict.Repeated),
        ChatStatus.Completed or ChatStatus.Failed => new Transition(state, Verdict.Refused),
        // Its stream entry is skipped when claimed; a running attempt is stopped, and its late reply is stale.
        _ => Applied(
            state with { Status = ChatStatus.Cancelled, CompletedAt = cancel.At, Held = false },
            stopWorker: state.Status == ChatStatus.Processing ? state.Holder?.Worker : null),
    };

    private static Transition OnRetry(MessageState state, Retry retry)
    {
        // The same request again, or any retry while the round a retry started is still going: it is in effect.
        if (state.RetryRequest == retry.Request || (state.RetryRequest is not null && state.Status is ChatStatus.Queued or ChatStatus.Processing))
        {
            return new Transition(state, Verdict.Repeated);
        }

        // A conversation's message ran in its turn, and later ones may have run since: running it again now would
        // answer out of order. It is posted again instead.
        if (state.Status != ChatStatus.Failed || state.ConversationId is not null)
        {
            return new Transition(state, Verdict.Refused);
        }

        return Applied(state with
        {
            Status = ChatStatus.Queued,
            RoundStartAttempts = state.Attempts,
            Error = null,
            CompletedAt = null,
            RetryRequest = retry.Request,
            // A new round starts over from the backend the client asked for, fallbacks and all.
            Backend = state.RequestedBackend,
            Deferrals = 0,
            // The new round belongs to the retry's trace; an untraced retry keeps the submission's.
            TraceParent = retry.TraceParent ?? state.TraceParent,
            Outbox = new Outbox(true, null, DeadLetterChange.Remove),
        });
    }

    internal static bool IsRunning(MessageState state, int attempt) =>
        state.Status == ChatStatus.Processing && state.Attempts == attempt;

    internal static Transition Applied(MessageState next, TimeSpan? retryAfter = null, string? stopWorker = null) =>
        new(next with { Version = next.Version + 1 }, Verdict.Applied, retryAfter, stopWorker);
}
