using Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Grains.Results;

/// <summary>
/// Who watches one message, told of each change and each piece of the reply. A batch observer (a frontend) gets the
/// pieces through the silo's <see cref="ResultNoticeBatcher"/>, together with those of other messages; any other
/// observer, one call per piece. Changes are sent at once, one call each, after the pieces before them. One-way
/// calls: each notification returns once queued or sent, without waiting for subscribers. Subscriptions expire unless
/// renewed.
/// </summary>
public sealed class ResultObservers(ResultNoticeBatcher batcher, ILogger logger)
{
    private readonly ObserverManager<IChatResultObserver> _observers = new(IChatResultGrain.SubscriptionLifetime, logger);

    public void Subscribe(IChatResultObserver observer) => _observers.Subscribe(observer, observer);

    public void Unsubscribe(IChatResultObserver observer) => _observers.Unsubscribe(observer);

    public bool IsEmpty => _observers.Count == 0;

    public Task DeltaAsync(ReplyDelta? delta)
    {
        if (delta is not null && _observers.Count > 0)
        {
            _observers.Notify(observer => Tell(observer, delta));
        }

        return Task.CompletedTask;
    }

    /// <summary>The reply's last piece, if the change made one, goes before the result that completes it.</summary>
    public async Task ChangedAsync(Func<ChatResult> snapshot, ReplyDelta? tail)
    {
        if (_observers.Count > 0)
        {
            await DeltaAsync(tail);
            var result = snapshot();
            _observers.Notify(observer => Tell(observer, result));
        }
    }

    private void Tell(IChatResultObserver observer, ReplyDelta delta)
    {
        if (observer is IChatResultBatchObserver batched)
        {
            batcher.Queue(batched, delta);
        }
        else
        {
            _ = observer.OnReplyDelta(delta);
        }
    }

    private void Tell(IChatResultObserver observer, ChatResult result)
    {
        if (observer is IChatResultBatchObserver batched)
        {
            batcher.Send(batched, result);
        }
        else
        {
            _ = observer.OnResultChanged(result);
        }
    }
}
