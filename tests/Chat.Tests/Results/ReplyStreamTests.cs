using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Results;

namespace Chat.Tests.Results;

/// <summary>The result grain's reply buffer without a cluster: numbering, repeats, gaps, attempts, resuming.</summary>
public sealed class ReplyStreamTests
{
    private static MessageState Running(int attempt) => new() { Message = "m", Status = ChatStatus.Processing, Attempts = attempt };

    private static MessageState Completed(int attempt, string reply) =>
        new() { Message = "m", Status = ChatStatus.Completed, Attempts = attempt, Reply = reply };

    private static MessageState Queued(int attempt) => new() { Message = "m", Status = ChatStatus.Queued, Attempts = attempt };

    private static string Join(IEnumerable<ReplyDelta> deltas) => string.Concat(deltas.Select(delta => delta.Text));

    [Fact]
    public void Pieces_are_numbered_from_one_and_join_up_to_the_partial_reply()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));

        Assert.Equal(new AppendOutcome(true, 5), stream.Append(1, 0, "Hello", out var first));
        Assert.Equal(new AppendOutcome(true, 11), stream.Append(1, 5, " world", out var second));

        Assert.Equal(new ReplyDelta("id", 1, 1, "Hello"), first);
        Assert.Equal(new ReplyDelta("id", 1, 2, " world"), second);
        Assert.Equal("Hello world", stream.Partial);
        Assert.Equal(2, stream.LastSeq);
    }

    [Fact]
    public void A_repeated_piece_adds_nothing_and_an_overlapping_one_only_its_new_part()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));
        stream.Append(1, 0, "Hello", out _);

        Assert.Equal(new AppendOutcome(true, 5), stream.Append(1, 0, "Hello", out var repeated));
        Assert.Null(repeated);
        stream.Append(1, 3, "lo there", out var overlapping);

        Assert.Equal(new ReplyDelta("id", 1, 2, " there"), overlapping);
        Assert.Equal("Hello there", stream.Partial);
    }

    [Fact]
    public void A_piece_starting_past_what_is_held_is_refused_with_where_to_start()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));
        stream.Append(1, 0, "ab", out _);

        Assert.Equal(new AppendOutcome(true, 2), stream.Append(1, 4, "ef", out var delta));
        Assert.Null(delta);
        Assert.Equal("ab", stream.Partial);
    }

    [Fact]
    public void A_stale_attempt_or_no_running_attempt_is_told_not_running()
    {
        var stream = new ReplyStream("id", 0);
        Assert.Equal(AppendOutcome.NotRunning, stream.Append(1, 0, "x", out _));

        stream.Follow(Running(2));
        Assert.Equal(AppendOutcome.NotRunning, stream.Append(1, 0, "x", out var stale));
        Assert.Null(stale);
        Assert.Equal("", stream.Partial);
    }

    [Fact]
    public void A_new_attempt_drops_the_old_text_and_continues_the_numbering()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));
        stream.Append(1, 0, "abc", out _);
        stream.Append(1, 3, "def", out _);
        stream.Follow(Queued(1));

        Assert.Null(stream.Partial);
        Assert.Empty(stream.After(0));

        stream.Follow(Running(2));
        stream.Append(2, 0, "xyz", out var delta);
        Assert.Equal(new ReplyDelta("id", 2, 3, "xyz"), delta);
        Assert.Equal("xyz", stream.Partial);
    }

    [Fact]
    public void Completing_sends_the_unsent_tail_as_a_last_piece_and_keeps_the_final_deltas()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));
        stream.Append(1, 0, "Hello", out _);

        var tail = stream.Follow(Completed(1, "Hello world"));

        Assert.Equal(new ReplyDelta("id", 1, 2, " world"), tail);
        Assert.Null(stream.Partial);
        Assert.Equal("Hello world", Join(stream.After(0)));
        Assert.Equal([2L], stream.After(1).Select(delta => delta.Seq));
    }

    [Fact]
    public void A_reply_that_came_in_one_go_becomes_one_piece_on_completion()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));

        Assert.Equal(new ReplyDelta("id", 1, 1, "whole"), stream.Follow(Completed(1, "whole")));
    }

    [Fact]
    public void Resuming_gives_the_deltas_after_the_named_one_or_all_when_it_is_older_than_the_attempt()
    {
        var stream = new ReplyStream("id", 10);
        stream.Follow(Running(3));
        foreach (var (offset, text) in new[] { (0, "a"), (1, "b"), (2, "c") })
        {
            stream.Append(3, offset, text, out _);
        }

        Assert.Equal([12L, 13L], stream.After(11).Select(delta => delta.Seq));
        Assert.Empty(stream.After(13));
        Assert.Equal([11L, 12L, 13L], stream.After(4).Select(delta => delta.Seq));
        // Beyond any seq given out here: a piece of an attempt lost with its silo.
        Assert.Equal([11L, 12L, 13L], stream.After(99).Select(delta => delta.Seq));
    }

    [Fact]
    public void A_reloaded_grain_numbers_above_its_stored_counter_and_starts_the_running_attempt_empty()
    {
        var stream = new ReplyStream("id", 41);
        stream.Follow(Running(2));

        Assert.Equal("", stream.Partial);
        Assert.Equal(new AppendOutcome(true, 0), stream.Append(2, 7, "late", out var gap));
        Assert.Null(gap);
        stream.Append(2, 0, "whole so far", out var resent);
        Assert.Equal(new ReplyDelta("id", 2, 42, "whole so far"), resent);
    }

    [Fact]
    public void A_failed_or_cancelled_end_drops_the_deltas()
    {
        var stream = new ReplyStream("id", 0);
        stream.Follow(Running(1));
        stream.Append(1, 0, "abc", out _);

        Assert.Null(stream.Follow(new MessageState { Message = "m", Status = ChatStatus.Cancelled, Attempts = 1 }));
        Assert.Empty(stream.After(0));
        Assert.Null(stream.Partial);
    }

    [Fact]
    public void A_grain_lost_mid_attempt_numbers_above_every_seq_it_gave_out_from_what_it_stored()
    {
        var stream = new ReplyStream("id", 0);
        var stored = stream.SeqToStore(Running(1));
        stream.Follow(Running(1));
        for (var offset = 0; offset < 5; offset++)
        {
            stream.Append(1, offset, "x", out _);
        }

        // The silo dies: the grain is loaded again from what it stored when the attempt was claimed.
        var reloaded = new ReplyStream("id", stored);
        reloaded.SeqToStore(Running(2));
        reloaded.Follow(Running(2));
        reloaded.Append(2, 0, "y", out var next);

        Assert.Equal(ReplyStream.ReservedSeqs, stored);
        Assert.Equal(ReplyStream.ReservedSeqs + 1, next!.Seq);
        // A watcher that saw seq 5 of the lost attempt is given the new attempt's pieces from its first.
        Assert.Equal([next], reloaded.After(5));
    }

    [Fact]
    public void An_attempt_that_outruns_its_reservation_asks_to_be_stored_once_per_reservation()
    {
        var stream = new ReplyStream("id", 0);
        stream.SeqToStore(Running(1));
        stream.Follow(Running(1));
        var asked = new List<long>();
        for (var offset = 0; offset < 2 * ReplyStream.ReservedSeqs + 10; offset++)
        {
            stream.Append(1, offset, "x", out _);
            if (stream.OutranReservation)
            {
                asked.Add(stream.LastSeq);
                stream.SeqToStore(Running(1));
            }
        }

        Assert.Equal([ReplyStream.ReservedSeqs + 1L, 2L * ReplyStream.ReservedSeqs + 2], asked);
    }

    [Fact]
    public void A_finished_message_stores_the_counter_itself()
    {
        var stream = new ReplyStream("id", 0);
        stream.SeqToStore(Running(1));
        stream.Follow(Running(1));
        stream.Append(1, 0, "abc", out _);

        Assert.Equal(1, stream.SeqToStore(Completed(1, "abc")));
        stream.Follow(Completed(1, "abc"));
        Assert.False(stream.OutranReservation);
    }
}
