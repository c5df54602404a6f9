using System.Net;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Grains.Interfaces;

namespace Chat.Tests;

/// <summary>
/// How reply pieces reach their watchers on a three-silo cluster: a frontend's observer takes them in batches, with
/// those of every other reply it watches; an observer of the plain interface, as any .NET client may register, one
/// call per piece. Either way every piece arrives once; over SSE, in order, and the result after the pieces it completes.
/// </summary>
[Collection(StreamingClusterCollection.Name)]
public sealed class BatchedPushTests(StreamingClusterFixture fixture) : IDisposable
{
    private const int Words = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public void Dispose() => fixture.Paced.Reset();

    [Fact]
    public async Task Many_replies_streaming_at_once_through_one_frontend_each_arrive_whole_and_in_order()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 100);
        var ids = Enumerable.Range(0, 60).Select(i => $"batched-{i}-{Guid.NewGuid():N}").ToArray();
        foreach (var id in ids)
        {
            using var response = await fixture.Api.Submit(Message(id), id, "paced");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var watched = await Task.WhenAll(ids.Select(id => ServerSentEvents.ReadAll(fixture.Http, $"/result/{id}/events", Timeout)));

        foreach (var (id, events) in ids.Zip(watched))
        {
            var deltas = events.Where(e => e.Event == "delta").Select(e => e.Data).ToArray();
            Assert.Equal(Enumerable.Range(1, deltas.Length).Select(n => (long)n), deltas.Select(d => d.GetProperty("seq").GetInt64()));
            Assert.Equal(("result", "completed"), (events[^1].Event, events[^1].Data.GetProperty("status").GetString()));
            Assert.Equal(Reply(id), events[^1].Data.GetProperty("result").GetString());
            Assert.Equal(Reply(id), string.Concat(deltas.Select(d => d.GetProperty("text").GetString())));
        }
    }

    [Fact]
    public async Task A_plain_observer_gets_each_piece_by_itself_and_a_batch_observer_in_batches_both_whole_and_in_order()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 100);
        var id = $"observed-{Guid.NewGuid():N}";
        var grain = fixture.Cluster.Client.GetGrain<IChatResultGrain>(id);
        var plain = new PlainRecorder();
        var batched = new BatchRecorder();
        var plainReference = fixture.Cluster.Client.CreateObjectReference<IChatResultObserver>(plain);
        var batchedReference = fixture.Cluster.Client.CreateObjectReference<IChatResultBatchObserver>(batched);
        Assert.Null(await grain.Subscribe(plainReference));
        Assert.Null(await grain.Subscribe(batchedReference));

        using (var response = await fixture.Api.Submit(Message(id), id, "paced"))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        foreach (var recorder in new Recorder[] { plain, batched })
        {
            // Calls to a client take any of its gateway connections, so pieces can arrive out of order or after the
            // result: the seqs say where each goes (the frontend's watch puts them in order for its SSE clients).
            var final = await recorder.Final.Task.WaitAsync(Timeout);
            var heard = await Eventually.Returns(
                () => Task.FromResult(recorder.Heard()),
                notices => notices.Count(notice => notice.Delta is not null) >= final.ReplySeq,
                $"the {recorder.GetType().Name}'s pieces up to seq {final.ReplySeq}");
            var pieces = heard.Where(notice => notice.Delta is not null).Select(notice => notice.Delta!).OrderBy(piece => piece.Seq).ToArray();
            Assert.Equal(Enumerable.Range(1, (int)final.ReplySeq).Select(n => (long)n), pieces.Select(piece => piece.Seq));
            Assert.Equal(Reply(id), string.Concat(pieces.Select(piece => piece.Text)));
            Assert.Equal((ChatStatus.Completed, Reply(id)), (final.Status, final.Reply));
            Assert.Equal(
                [ChatStatus.Queued, ChatStatus.Processing, ChatStatus.Completed],
                heard.Where(notice => notice.Result is not null).Select(notice => notice.Result!).OrderBy(result => result.Version).Select(result => result.Status));
        }

        Assert.Equal(plain.Heard().Count(notice => notice.Delta is not null), plain.SingleCalls);
        // Every piece came in a batch call, never by itself; the snapshots came one call each.
        Assert.Equal((0, 3), (batched.SingleDeltaCalls, batched.SingleResultCalls));
        Assert.InRange(batched.BatchCalls, 1, batched.Heard().Count(notice => notice.Delta is not null));
    }

    private static string Message(string id) => string.Join(' ', Enumerable.Range(1, Words).Select(i => $"{id}:{i}"));

    /// <summary>The fake's reply: the model's name, then the message word by word.</summary>
    private static string Reply(string id) => $"m-paced says: {Message(id)}";

    private abstract class Recorder
    {
        private readonly List<ResultNotice> _heard = [];

        /// <summary>The message's terminal snapshot, once heard.</summary>
        public TaskCompletionSource<ChatResult> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<ResultNotice> Heard()
        {
            lock (_heard)
            {
                return [.. _heard];
            }
        }

        protected void Hear(ResultNotice notice)
        {
            lock (_heard)
            {
                _heard.Add(notice);
            }

            if (notice.Result is { IsTerminal: true } result)
            {
                Final.TrySetResult(result);
            }
        }
    }

    private sealed class PlainRecorder : Recorder, IChatResultObserver
    {
        public int SingleCalls;

        public Task OnResultChanged(ChatResult result)
        {
            Hear(ResultNotice.Of(result));
            return Task.CompletedTask;
        }

        public Task OnReplyDelta(ReplyDelta delta)
        {
            Interlocked.Increment(ref SingleCalls);
            Hear(ResultNotice.Of(delta));
            return Task.CompletedTask;
        }
    }

    private sealed class BatchRecorder : Recorder, IChatResultBatchObserver
    {
        public int BatchCalls;
        public int SingleDeltaCalls;
        public int SingleResultCalls;

        public Task OnResultNotices(ResultNotice[] notices)
        {
            Interlocked.Increment(ref BatchCalls);
            foreach (var notice in notices)
            {
                Hear(notice);
            }

            return Task.CompletedTask;
        }

        public Task OnResultChanged(ChatResult result)
        {
            Interlocked.Increment(ref SingleResultCalls);
            Hear(ResultNotice.Of(result));
            return Task.CompletedTask;
        }

        public Task OnReplyDelta(ReplyDelta delta)
        {
            Interlocked.Increment(ref SingleDeltaCalls);
            Hear(ResultNotice.Of(delta));
            return Task.CompletedTask;
        }
    }
}
