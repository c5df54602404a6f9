using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// Follows one message's result through a grain observer: the current state first, then each change,
/// ending after a terminal state. Resubscribes before the subscription expires, which also catches up
/// on a notification that was lost.
/// </summary>
public sealed class ResultWatcher(IClusterClient client, ClusterCaller cluster)
{
    private static readonly TimeSpan ResubscribeEvery = IChatResultGrain.SubscriptionLifetime / 4;

    /// <summary>Null when no message has this id.</summary>
    public async Task<IAsyncEnumerable<ChatResult>?> WatchAsync(string id, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IChatResultGrain>(id);
        var observer = new ResultObserver();
        var reference = client.CreateObjectReference<IChatResultObserver>(observer);
        ChatResult? current = null;
        try
        {
            current = await cluster.CallAsync(_ => grain.Subscribe(reference).AsTask(), cancellationToken);
        }
        finally
        {
            if (current is null)
            {
                await ReleaseAsync(grain, reference);
            }
        }

        return current is null ? null : FollowAsync(grain, observer, reference, current, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResult> FollowAsync(
        IChatResultGrain grain,
        ResultObserver observer,
        IChatResultObserver reference,
        ChatResult current,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            var last = current;
            yield return last;
            while (!last.IsTerminal)
            {
                var next = await NextAsync(grain, observer, reference, cancellationToken);
                if (next is not null && next.Version > last.Version)
                {
                    last = next;
                    yield return last;
                }
            }
        }
        finally
        {
            // The observer object lives as long as this enumeration; Orleans holds it only weakly.
            GC.KeepAlive(observer);
            await ReleaseAsync(grain, reference);
        }
    }

    private async Task<ChatResult?> NextAsync(
        IChatResultGrain grain, ResultObserver observer, IChatResultObserver reference, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(ResubscribeEvery);
        try
        {
            return await observer.Changes.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await cluster.CallAsync(_ => grain.Subscribe(reference).AsTask(), cancellationToken);
        }
    }

    private async Task ReleaseAsync(IChatResultGrain grain, IChatResultObserver reference)
    {
        try
        {
            await grain.Unsubscribe(reference);
        }
        catch (Exception)
        {
            // Best effort: an unreleased subscription expires on its own.
        }

        client.DeleteObjectReference<IChatResultObserver>(reference);
    }

    private sealed class ResultObserver : IChatResultObserver
    {
        public Channel<ChatResult> Changes { get; } = Channel.CreateUnbounded<ChatResult>();

        public Task OnResultChanged(ChatResult result)
        {
            Changes.Writer.TryWrite(result);
            return Task.CompletedTask;
        }
    }
}
