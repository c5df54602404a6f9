using Grains.Interfaces;
using WebFrontend.Cluster;

namespace Chat.Tests.Results;

/// <summary>How a watch orders what it hears: pieces in seq order without repeats, gaps caught up from the grain.</summary>
public sealed class WatchTests
{
    private static ReplyDelta Delta(long seq, string text, int attempt = 1) => new("id", attempt, seq, text);

    private static ChatResult Result(ChatStatus status, int attempts, long version, long replySeq, string? reply = null) =>
        new("id", status, "m", reply, null, attempts, null, null, DateTimeOffset.UnixEpoch, null, null, version, ReplySeq: replySeq);

    [Fact]
    public void A_resumed_watch_passes_the_snapshot_then_the_pieces_after_its_last_event_id()
    {
        var watch = new Watch(afterSeq: 2);

        var items = watch.CatchUp(new ResultFeed(Result(ChatStatus.Processing, 1, 2, 4), [Delta(3, "c"), Delta(4, "d")]));

        Assert.Equal([ChatStatus.Processing], items.Where(item => item.Result is not null).Select(item => item.Result!.Status));
        Assert.Equal([3L, 4L], items.Where(item => item.Delta is not null).Select(item => item.Delta!.Seq));
        Assert.Same(items[0].Result, watch.Last);
        Assert.Equal(4, watch.Seen);
    }

    [Fact]
    public void Repeats_are_skipped_the_next_piece_passes_and_a_gap_or_an_unannounced_attempt_is_caught_up()
    {
        var watch = new Watch(0);
        watch.CatchUp(new ResultFeed(Result(ChatStatus.Processing, 1, 2, 0), []));

        Assert.Equal(Watch.Verdict.Pass, watch.Needs(WatchItem.Of(Delta(1, "a"))));
        watch.Pass(WatchItem.Of(Delta(1, "a")));
        Assert.Equal(Watch.Verdict.Skip, watch.Needs(WatchItem.Of(Delta(1, "a"))));
        Assert.Equal(Watch.Verdict.CatchUp, watch.Needs(WatchItem.Of(Delta(3, "c"))));
        Assert.Equal(Watch.Verdict.CatchUp, watch.Needs(WatchItem.Of(Delta(2, "b", attempt: 2))));
        // Pieces merged for a slow reader start where the watch stands.
        Assert.Equal(Watch.Verdict.Pass, watch.Needs(new WatchItem(null, Delta(5, "bcde"), 2)));
    }

    [Fact]
    public void A_completion_naming_a_piece_not_passed_on_is_caught_up_and_then_comes_after_that_piece()
    {
        var watch = new Watch(0);
        watch.CatchUp(new ResultFeed(Result(ChatStatus.Processing, 1, 2, 0), []));
        var completed = Result(ChatStatus.Completed, 1, 3, 1, "whole");

        Assert.Equal(Watch.Verdict.CatchUp, watch.Needs(WatchItem.Of(completed)));
        var items = watch.CatchUp(new ResultFeed(completed, [Delta(1, "whole")]));

        Assert.Equal([WatchItem.Of(Delta(1, "whole")), WatchItem.Of(completed)], items);
        Assert.True(watch.Last!.IsTerminal);
    }

    [Fact]
    public void A_last_event_id_beyond_the_grains_counter_names_a_lost_attempt_and_gets_all_the_current_pieces()
    {
        var watch = new Watch(afterSeq: 9);

        Assert.Equal(Watch.Verdict.CatchUp, watch.Needs(WatchItem.Of(Result(ChatStatus.Processing, 2, 5, 2))));
        var items = watch.CatchUp(new ResultFeed(Result(ChatStatus.Processing, 2, 5, 4), [Delta(3, "c", 2), Delta(4, "d", 2)]));

        Assert.Equal([3L, 4L], items.Where(item => item.Delta is not null).Select(item => item.Delta!.Seq));
        Assert.Equal(4, watch.Seen);
    }
}
