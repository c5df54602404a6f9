using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// What one watch has passed on, and so what it does with what it hears next: pass it on, skip it (a repeat or a stale
/// snapshot), or catch up from the grain first (a piece whose predecessors it missed, a piece of an attempt it has not
/// announced, a snapshot naming pieces it has not passed on). Pieces are passed on in seq order without repeats, a new
/// attempt's snapshot before its pieces, and the final snapshot after the final attempt's pieces.
/// </summary>
public sealed class Watch(long afterSeq)
{
    public enum Verdict
    {
        Skip,
        Pass,
        CatchUp,
    }

    /// <summary>The last snapshot passed on.</summary>
    public ChatResult? Last { get; private set; }

    /// <summary>The seq of the last piece passed on, or known not to be needed (that of an attempt given up on).</summary>
    public long Seen { get; private set; } = afterSeq;

    public Verdict Needs(WatchItem item)
    {
        if (item.Result is { } result)
        {
            return Last is not null && result.Version <= Last.Version ? Verdict.Skip
                : (result.Status is ChatStatus.Processing or ChatStatus.Completed && result.ReplySeq > Seen) || result.ReplySeq < Seen ? Verdict.CatchUp
                : Verdict.Pass;
        }

        var delta = item.Delta!;
        return delta.Seq <= Seen ? Verdict.Skip
            : delta.Attempt == Last?.Attempts && item.FromSeq == Seen + 1 ? Verdict.Pass
            : Verdict.CatchUp;
    }

    public IReadOnlyList<WatchItem> Pass(WatchItem item)
    {
        if (item.Result is { } result)
        {
            Last = result;
            Seen = Math.Max(Seen, result.ReplySeq);
        }
        else
        {
            Seen = item.Delta!.Seq;
        }

        return [item];
    }

    /// <summary>What to pass on from the grain's answer to a subscription after <see cref="Seen"/>.</summary>
    public IReadOnlyList<WatchItem> CatchUp(ResultFeed feed)
    {
        var items = new List<WatchItem>();
        var result = feed.Result;
        if (result.ReplySeq < Seen)
        {
            // The grain numbers below what this watch has seen: those seqs were given out by an attempt lost with its
            // silo, whose text the new attempt's announcement discards. Everything the grain holds is new here.
            Seen = 0;
        }

        var newer = Last is null || result.Version > Last.Version;
        if (newer && !result.IsTerminal)
        {
            items.Add(WatchItem.Of(result));
            Last = result;
        }

        foreach (var delta in feed.Deltas.Where(delta => delta.Seq > Seen))
        {
            items.Add(WatchItem.Of(delta));
            Seen = delta.Seq;
        }

        if (newer && result.IsTerminal)
        {
            items.Add(WatchItem.Of(result));
            Last = result;
        }

        Seen = Math.Max(Seen, result.ReplySeq);
        return items;
    }
}
