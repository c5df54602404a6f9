using System.Runtime.CompilerServices;
using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// Follows messages' results through one grain observer shared by every watch in this frontend: the current state
/// and the reply's pieces so far, then each change and each piece, ending after a terminal state. One shared
/// observer, because registering an object reference per watch cost as much as the watch itself; a batch observer,
/// so each silo sends it what it has for all of this frontend's watches in one call. Each watch
/// resubscribes before the subscription expires, which also catches up on notifications that were lost; a gap in the
/// pieces' seqs, a piece of an attempt not announced yet, or a completion naming a piece not seen is caught up at once.
/// </summary>
public sealed class ResultWatcher(IClusterClient client, ClusterCaller cluster)
{
    private static readonly TimeSpan ResubscribeEvery = IChatResultGrain.SubscriptionLifetime / 4;

    /// <summary>Items one watch holds for a slow reader before merging pieces (or, for anything else, ending).</summary>
    private const int BufferCapacity = 256;

    private readonly Dictionary<string, List<WatchBuffer>> _watches = new(StringComparer.Ordinal);
    private IChatResultBatchObserver? _reference;
    private FanOut? _fanOut;

    /// <summary>Null when no message has this id. <paramref name="afterSeq"/>: the last piece the client has (0: none).</summary>
    public async Task<IAsyncEnumerable<WatchItem>?> WatchAsync(string id, long afterSeq, CancellationToken cancellationToken)
    {
        var grain = client.GetResultGrain(id);
        var reference = Reference();
        // Listening before subscribing, so a change between the two is not missed.
        var heard = new WatchBuffer(BufferCapacity);
        Add(id, heard);
        ResultFeed? current = null;
        try
        {
            current = await cluster.CallAsync(_ => grain.Subscribe(reference, afterSeq).AsTask(), cancellationToken);
        }
        finally
        {
            if (current is null)
            {
                await ReleaseAsync(id, grain, heard, ended: false);
            }
        }

        return current is null ? null : FollowAsync(id, grain, heard, current, afterSeq, cancellationToken);
    }

    private async IAsyncEnumerable<WatchItem> FollowAsync(
        string id,
        IChatResultGrain grain,
        WatchBuffer heard,
        ResultFeed current,
        long afterSeq,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watch = new Watch(afterSeq);
        try
        {
            foreach (var item in watch.CatchUp(current))
            {
                yield return item;
            }

            while (!watch.Last!.IsTerminal)
            {
                var next = await NextAsync(grain, heard, watch, cancellationToken);
                if (next is null)
                {
                    // Overflowed: ended, so the client resumes from the last id it got.
                    yield break;
                }

                foreach (var item in next)
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await ReleaseAsync(id, grain, heard, ended: watch.Last?.IsTerminal == true);
        }
    }

    /// <summary>What to pass on next (maybe nothing); null when the buffer overflowed.</summary>
    private async Task<IReadOnlyList<WatchItem>?> NextAsync(IChatResultGrain grain, WatchBuffer heard, Watch watch, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(ResubscribeEvery);
        WatchItem? item;
        try
        {
            item = await heard.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return await CatchUpAsync(grain, watch, cancellationToken);
        }

        if (item is null)
        {
            return null;
        }

        return watch.Needs(item) switch
        {
            Watch.Verdict.Pass => watch.Pass(item),
            Watch.Verdict.CatchUp => await CatchUpAsync(grain, watch, cancellationToken),
            _ => [],
        };
    }

    private async Task<IReadOnlyList<WatchItem>> CatchUpAsync(IChatResultGrain grain, Watch watch, CancellationToken cancellationToken)
    {
        var feed = await cluster.CallAsync(_ => grain.Subscribe(Reference(), watch.Seen).AsTask(), cancellationToken);
        return feed is null ? [] : watch.CatchUp(feed);
    }

    /// <summary>
    /// Stops listening. The grain is told only when the last local watch of a message stops early: after a
    /// terminal state nothing more is expected, and the subscription expires on its own.
    /// </summary>
    private async Task ReleaseAsync(string id, IChatResultGrain grain, WatchBuffer heard, bool ended)
    {
        if (!Remove(id, heard) || ended)
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

    private IChatResultBatchObserver Reference()
    {
        lock (_watches)
        {
            if (_reference is null)
            {
                // The client holds observers weakly; this field keeps the shared one alive with the watcher.
                _fanOut = new FanOut(this);
                _reference = client.CreateObjectReference<IChatResultBatchObserver>(_fanOut);
            }

            return _reference;
        }
    }

    private void Add(string id, WatchBuffer heard)
    {
        lock (_watches)
        {
            if (!_watches.TryGetValue(id, out var list))
            {
                _watches[id] = list = [];
            }

            list.Add(heard);
        }
    }

    /// <summary>True when no other local watch of this message remains.</summary>
    private bool Remove(string id, WatchBuffer heard)
    {
        lock (_watches)
        {
            if (!_watches.TryGetValue(id, out var list) || !list.Remove(heard) || list.Count > 0)
            {
                return false;
            }

            _watches.Remove(id);
            return true;
        }
    }

    private void Deliver(ResultNotice[] notices)
    {
        lock (_watches)
        {
            foreach (var notice in notices)
            {
                if (_watches.TryGetValue(notice.Id, out var list))
                {
                    var item = new WatchItem(notice.Result, notice.Delta, notice.FromSeq);
                    foreach (var heard in list)
                    {
                        heard.Write(item);
                    }
                }
            }
        }
    }

    /// <summary>The silos send batches; the single calls are there for the interface's sake.</summary>
    private sealed class FanOut(ResultWatcher watcher) : IChatResultBatchObserver
    {
        public Task OnResultNotices(ResultNotice[] notices)
        {
            watcher.Deliver(notices);
            return Task.CompletedTask;
        }

        public Task OnResultChanged(ChatResult result) => OnResultNotices([ResultNotice.Of(result)]);

        public Task OnReplyDelta(ReplyDelta delta) => OnResultNotices([ResultNotice.Of(delta)]);
    }
}
