using Grains.Interfaces;
using Grains.Results;

namespace Chat.Tests.Results;

/// <summary>What a silo holds for one frontend that falls behind: bounded, merged where it can be, without a cluster.</summary>
public sealed class NoticeQueueTests
{
    private static ReplyDelta Delta(string id, long seq, string text, int attempt = 1) => new(id, attempt, seq, text);

    [Fact]
    public void Below_capacity_pieces_of_several_messages_come_out_in_the_order_they_went_in()
    {
        var queue = new NoticeQueue(4);
        queue.Add(Delta("a", 1, "x"));
        queue.Add(Delta("b", 7, "y"));
        queue.Add(Delta("a", 2, "z"));

        Assert.Equal([ResultNotice.Of(Delta("a", 1, "x")), ResultNotice.Of(Delta("b", 7, "y")), ResultNotice.Of(Delta("a", 2, "z"))], queue.TakeAll());
        Assert.Equal(0, queue.Count);
        Assert.Empty(queue.TakeAll());
    }

    [Fact]
    public void Past_capacity_a_following_piece_merges_into_its_messages_last_piece_from_its_first_seq()
    {
        var queue = new NoticeQueue(3);
        queue.Add(Delta("a", 1, "x"));
        queue.Add(Delta("a", 2, "y"));
        queue.Add(Delta("b", 5, "p"));
        queue.Add(Delta("a", 3, "z"));
        queue.Add(Delta("b", 6, "q"));
        queue.Add(Delta("a", 4, "w"));

        Assert.Equal(3, queue.Count);
        Assert.Equal(
            [ResultNotice.Of(Delta("a", 1, "x")), new ResultNotice(null, Delta("a", 4, "yzw"), 2), new ResultNotice(null, Delta("b", 6, "pq"), 5)],
            queue.TakeAll());
    }

    [Fact]
    public void Past_capacity_a_piece_that_cannot_merge_is_dropped_and_so_are_those_after_it_until_the_next_send()
    {
        var queue = new NoticeQueue(2);
        queue.Add(Delta("a", 1, "x"));
        queue.Add(Delta("a", 2, "y"));
        queue.Add(Delta("b", 1, "new message"));
        queue.Add(Delta("a", 1, "next attempt", attempt: 2));
        queue.Add(Delta("a", 4, "after a gap"));
        queue.Add(Delta("a", 5, "after the gap"));

        // The watcher sees seq 5 follow 2 and catches up from the grain; the batch after starts afresh.
        Assert.Equal([ResultNotice.Of(Delta("a", 1, "x")), ResultNotice.Of(Delta("a", 2, "y"))], queue.TakeAll());
        queue.Add(Delta("a", 6, "later"));
        Assert.Equal([ResultNotice.Of(Delta("a", 6, "later"))], queue.TakeAll());
    }
}
