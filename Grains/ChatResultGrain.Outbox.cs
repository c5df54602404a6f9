using Grains.Lifecycle;
using Microsoft.Extensions.Logging;

namespace Grains;

/// <summary>
/// The order that makes a transition safe to repeat: store the new state with its outbox, tell the watchers, carry
/// out the outbox, clear it. Whatever a crash interrupts, the stored outbox is carried out again by the next call or
/// activation.
/// </summary>
public sealed partial class ChatResultGrain
{
    private static readonly TimeSpan SettleRetryPeriod = TimeSpan.FromSeconds(1);

    // The outbox was carried out and cleared here, but storage still holds it: written with the next change, or
    // on deactivation. Until then a crash only means the effects are carried out once more, which they allow.
    private bool _clearedOutboxUnstored;
    private IGrainTimer? _settleRetry;

    private async Task<Transition> ApplyAsync(MessageEvent @event, int? partition = null)
    {
        // An expired message is gone: the event meets no message, so a submission under its id starts a new one.
        await ForgetIfExpiredAsync();
        // Effects left over from an earlier transition come first; if they still cannot be carried out, this call
        // fails and its caller tries again.
        await SettleAsync(partition: null);
        var transition = MessageLifecycle.Apply(_current, @event, policy);
        if (!transition.Changed)
        {
            return transition;
        }

        // Stored before it becomes this grain's state: a write that fails leaves nothing acted on that storage lacks.
        await WriteAsync(transition.State!);
        metrics.RecordChange(_current, transition.State!);
        _current = transition.State;
        var lastPiece = _reply.Follow(_current);
        await _observers.ChangedAsync(() => Snapshot()!, lastPiece);

        await SettleAsync(partition);
        return transition;
    }

    private async Task SettleAsync(int? partition)
    {
        if (_current is not { Outbox.IsEmpty: false } pending)
        {
            return;
        }

        try
        {
            await effects.CarryOutAsync(Id, pending, partition);
        }
        catch (Exception exception)
        {
            LogSettleFailed(logger, exception, Id);
            // Kept alive and retried while the cause lasts, so the effects do not wait for the next call.
            _settleRetry ??= this.RegisterGrainTimer(
                () => TrySettleAsync(partition: null), new GrainTimerCreationOptions(SettleRetryPeriod, SettleRetryPeriod) { KeepAlive = true });
            throw;
        }

        _current = pending with { Outbox = Outbox.Empty };
        _clearedOutboxUnstored = true;
        _settleRetry?.Dispose();
        _settleRetry = null;
    }

    private async Task TrySettleAsync(int? partition)
    {
        try
        {
            await SettleAsync(partition);
        }
        catch (Exception)
        {
            // Logged, and retried by the timer.
        }
    }

    private async Task WriteAsync(MessageState next)
    {
        state.State = ChatResultState.From(next);
        state.State.ReplySeq = _reply.SeqToStore(next);
        state.State.ExpiresAt = retention.ExpiresAt(next);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Whether it was stored is unknown (the reply may be what was lost): the next activation reads the truth.
            this.DeactivateOnIdle();
            throw;
        }

        _clearedOutboxUnstored = false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not carry out the stored effects of message {Id}; retrying")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string id);
}
