using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebFrontend.Apis;
using WebFrontend.Model;

namespace Chat.Tests.Results;

/// <summary>How the events endpoints write to the connection: the events at hand together, then whatever comes later.</summary>
public sealed class CoalescedServerSentEventsTests
{
    [Fact]
    public async Task Events_at_hand_go_out_in_one_write_and_a_later_one_in_the_next()
    {
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = new WriteCountingStream();
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().BuildServiceProvider() };
        context.Response.Body = body;

        var writing = new CoalescedServerSentEvents<object>(Events(later.Task)).ExecuteAsync(context);
        await Eventually.Returns(() => Task.FromResult(body.Writes.Count), writes => writes == 1, "the events at hand to be written");
        later.SetResult();
        await writing;

        Assert.Equal("text/event-stream", context.Response.ContentType);
        Assert.Equal(
            [
                "event: result\ndata: {\"seq\":0,\"text\":\"start\"}\n\n" +
                "event: delta\nid: 1\ndata: {\"seq\":1,\"text\":\"a\\nb\"}\n\n" +
                "event: delta\nid: 2\ndata: {\"seq\":2,\"text\":\"c\"}\n\n",
                "event: delta\nid: 3\ndata: {\"seq\":3,\"text\":\"d\"}\n\n",
            ],
            body.Writes);
    }

    [Fact]
    public async Task An_open_stream_ends_when_the_frontend_stops_with_what_it_had_written()
    {
        var lifetime = new StoppableLifetime();
        var body = new WriteCountingStream();
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddSingleton<IHostApplicationLifetime>(lifetime).BuildServiceProvider(),
        };
        context.Response.Body = body;

        // The events never end by themselves: only the frontend's stop can end the response.
        var writing = new CoalescedServerSentEvents<object>(Events(Task.Delay(Timeout.Infinite))).ExecuteAsync(context);
        await Eventually.Returns(() => Task.FromResult(body.Writes.Count), writes => writes == 1, "the events at hand to be written");
        Assert.False(writing.IsCompleted);
        lifetime.StopApplication();
        await writing.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(body.Writes);
        Assert.EndsWith("event: delta\nid: 2\ndata: {\"seq\":2,\"text\":\"c\"}\n\n", body.Writes[0]);
    }

    private static async IAsyncEnumerable<SseItem<object>> Events(Task later, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new SseItem<object>(new ReplyDeltaEvent(0, "start"), "result");
        yield return new SseItem<object>(new ReplyDeltaEvent(1, "a\nb"), "delta") { EventId = "1" };
        yield return new SseItem<object>(new ReplyDeltaEvent(2, "c"), "delta") { EventId = "2" };
        await later.WaitAsync(cancellationToken);
        yield return new SseItem<object>(new ReplyDeltaEvent(3, "d"), "delta") { EventId = "3" };
    }

    private sealed class StoppableLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();
    }

    /// <summary>Records what reaches the connection, one entry per write.</summary>
    private sealed class WriteCountingStream : MemoryStream
    {
        private readonly List<string> _writes = [];

        public IReadOnlyList<string> Writes
        {
            get
            {
                lock (_writes)
                {
                    return [.. _writes];
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_writes)
            {
                _writes.Add(Encoding.UTF8.GetString(buffer.Span));
            }

            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }
}
