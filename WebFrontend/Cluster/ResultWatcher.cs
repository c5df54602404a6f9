using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// Follows messages' results through one grain observer shared by every watch in this frontend: the
/// current state first, then each change, ending after a terminal state. One shared observer, because
/// registering an object reference per watch cost as much as the watch itself. Each watch resubscribes
/// before the subscription expires, which also catches up on a notification that was lost.
/// </summary>
public sealed class ResultWatcher(IClusterClient client, ClusterCaller cluster)
{
    private static readonly TimeSpan ResubscribeEvery = IChatResultGrain.SubscriptionLifetime / 4;

    private readonly Dictionary<string, List<Channel<ChatResult>>> _watches = new(StringComparer.Ordinal);
    private IChatResultObserver? _reference;
    private FanOut? _fanOut;

    /// <summary>Null when no message has this id.</summary>
    public async Task<IAsyncEnumerable<ChatResult>?> WatchAsync(string id, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IChatResultGrain>(id);
        var reference = Reference();
        // Listening before subscribing, so a change between the two is not missed.
        var changes = Channel.CreateUnbounded<ChatResult>(new UnboundedChannelOptions { SingleReader = true });
        Add(id, changes);
        ChatResult? current = null;
        try
        {
            current = await cluster.CallAsync(_ => grain.Subscribe(reference).AsTask(), cancellationToken);
        }
        finally
        {
            if (current is null)
            {
                await ReleaseAsync(id, grain, changes, ended: false);
            }
        }

        return current is null ? null : FollowAsync(id, grain, changes, current, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResult> FollowAsync(
        string id,
        IChatResultGrain grain,
        Channel<ChatResult> changes,
        ChatResult current,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = current;
        try
        {
            yield return last;
            while (!last.IsTerminal)
            {
                var next = await NextAsync(grain, changes, cancellationToken);
                if (next is not null && next.Version > last.Version)
                {
                    last = next;
                    yield return last;
                }
            }
        }
        finally
        {
            await ReleaseAsync(id, grain, changes, ended: last.IsTerminal);
        }
    }

    private async Task<ChatResult?> NextAsync(IChatResultGrain grain, Channel<ChatResult> changes, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(ResubscribeEvery);
        try
        {
            return await changes.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await cluster.CallAsync(_ => grain.Subscribe(Reference()).AsTask(), cancellationToken);
        }
    }

    /// <summary>
    /// Stops listening. The grain is told only when the last local watch of a message stops early: after a
    /// terminal state nothing more is expected, and the subscription expires on its own.
    /// </summary>
    private async Task ReleaseAsync(string id, IChatResultGrain grain, Channel<ChatResult> changes, bool ended)
    {
        if (!Remove(id, changes) || ended)
        {
            return;
        }

        try
        {
            await grain.Unsubscribe(Reference());
        }
        catch (Exception)
        {
            // Best effort: an unreleased subscription expires on its own.
        }
    }

    private IChatResultObserver Reference()
    {
        lock (_watches)
        {
            if (_reference is null)
            {
                // The client holds observers weakly; this field keeps the shared one alive with the watcher.
                _fanOut = new FanOut(this);
                _reference = client.CreateObjectReference<IChatResultObserver>(_fanOut);
            }

            return _reference;
        }
    }

    private void Add(string id, Channel<ChatResult> changes)
    {
        lock (_watches)
        {
            if (!_watches.TryGetValue(id, out var list))
            {
                _watches[id] = list = [];
            }

            list.Add(changes);
        }
    }

    /// <summary>True when no other local watch of this message remains.</summary>
    private bool Remove(string id, Channel<ChatResult> changes)
    {
        lock (_watches)
        {
            if (!_watches.TryGetValue(id, out var list) || !list.Remove(changes) || list.Count > 0)
            {
                return false;
            }

            _watches.Remove(id);
            return true;
        }
    }

    private void Deliver(ChatResult result)
    {
        lock (_watches)
        {
            if (_watches.TryGetValue(result.Id, out var list))
            {
                foreach (var changes in list)
                {
                    changes.Writer.TryWrite(result);
                }
            }
        }
    }

    private sealed class FanOut(ResultWatcher watcher) : IChatResultObserver
    {
        public Task OnResultChanged(ChatResult result)
        {
            watcher.Deliver(result);
            return Task.CompletedTask;
        }

        // Watches follow whole results only so far.
        public Task OnReplyDelta(ReplyDelta delta) => Task.CompletedTask;
    }
}
