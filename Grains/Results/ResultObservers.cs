using Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Grains.Results;

/// <summary>
/// Who watches one message, told of each change and each piece of the reply. One-way calls: each notification returns
/// once sent, without waiting for subscribers. Subscriptions expire unless renewed.
/// </summary>
public sealed class ResultObservers(ILogger logger)
{
    private readonly ObserverManager<IChatResultObserver> _observers = new(IChatResultGrain.SubscriptionLifetime, logger);

    public void Subscribe(IChatResultObserver observer) => _observers.Subscribe(observer, observer);

    public void Unsubscribe(IChatResultObserver observer) => _observers.Unsubscribe(observer);

    public async Task DeltaAsync(ReplyDelta? delta)
    {
        if (delta is not null && _observers.Count > 0)
        {
            await _observers.Notify(observer => observer.OnReplyDelta(delta));
        }
    }

    /// <summary>The reply's last piece, if the change made one, goes before the result that completes it.</summary>
    public async Task ChangedAsync(Func<ChatResult> snapshot, ReplyDelta? tail)
    {
        if (_observers.Count > 0)
        {
            await DeltaAsync(tail);
            var result = snapshot();
            await _observers.Notify(observer => observer.OnResultChanged(result));
        }
    }
}
