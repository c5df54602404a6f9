using Grains.Interfaces;
using WebFrontend.Cluster;

namespace Chat.Tests.Results;

/// <summary>A watch's bounded buffer: what a slow SSE client costs, without a cluster.</summary>
public sealed class WatchBufferTests
{
    private static ReplyDelta Delta(long seq, string text, int attempt = 1) => new("id", attempt, seq, text);

    private static ChatResult Result(ChatStatus status) => new("id", status, "m", null, null, 1, null, null, DateTimeOffset.UnixEpoch, null, null);

    [Fact]
    public async Task Below_capacity_items_come_out_as_they_went_in()
    {
        var buffer = new WatchBuffer(4);
        buffer.Write(WatchItem.Of(Result(ChatStatus.Processing)));
        buffer.Write(WatchItem.Of(Delta(1, "a")));
        buffer.Write(WatchItem.Of(Delta(2, "b")));

        Assert.Equal(ChatStatus.Processing, (await buffer.ReadAsync(CancellationToken.None))!.Result!.Status);
        Assert.Equal(Delta(1, "a"), (await buffer.ReadAsync(CancellationToken.None))!.Delta);
        Assert.Equal(Delta(2, "b"), (await buffer.ReadAsync(CancellationToken.None))!.Delta);
    }

    [Fact]
    public async Task When_full_following_pieces_merge_into_the_last_one_under_the_last_seq()
    {
        var buffer = new WatchBuffer(2);
        buffer.Write(WatchItem.Of(Delta(1, "a")));
        buffer.Write(WatchItem.Of(Delta(2, "b")));
        buffer.Write(WatchItem.Of(Delta(3, "c")));
        buffer.Write(WatchItem.Of(Delta(3, "c")));
        buffer.Write(WatchItem.Of(Delta(4, "d")));

        Assert.Equal(WatchItem.Of(Delta(1, "a")), await buffer.ReadAsync(CancellationToken.None));
        Assert.Equal(new WatchItem(null, Delta(4, "bcd"), 2), await buffer.ReadAsync(CancellationToken.None));
        Assert.False(buffer.Overflowed);
    }

    [Fact]
    public async Task When_full_anything_that_cannot_merge_ends_the_watch_and_frees_what_was_held()
    {
        var buffer = new WatchBuffer(2);
        buffer.Write(WatchItem.Of(Delta(1, "a")));
        buffer.Write(WatchItem.Of(Delta(2, "b")));
        buffer.Write(WatchItem.Of(Result(ChatStatus.Completed)));
        buffer.Write(WatchItem.Of(Delta(3, "c")));

        Assert.True(buffer.Overflowed);
        Assert.Null(await buffer.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_reader_waiting_on_an_empty_buffer_gets_the_next_write()
    {
        var buffer = new WatchBuffer(2);
        var read = buffer.ReadAsync(CancellationToken.None);
        Assert.False(read.IsCompleted);

        buffer.Write(WatchItem.Of(Delta(1, "a")));

        Assert.Equal(Delta(1, "a"), (await read.WaitAsync(TimeSpan.FromSeconds(10)))!.Delta);
    }
}
