using Chat.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.Streams;
using Silo;

namespace Chat.Tests;

/// <summary>
/// Embedded mode's queues are read at the full rate while they carry messages, and less often once they have stayed
/// empty for a while: an idle cluster's pulling agents then leave their queue grains mostly alone.
/// </summary>
public sealed class IdlePollingTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task A_queue_is_read_on_every_poll_until_it_has_been_empty_for_a_while()
    {
        var (queue, receiver, clock) = await StartAsync();

        for (var poll = 0; poll < IdlePollingQueueAdapterFactory.EmptyReadsBeforeBackoff; poll++)
        {
            await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
            clock.Advance(Poll);
        }

        Assert.Equal(IdlePollingQueueAdapterFactory.EmptyReadsBeforeBackoff, queue.Reads);
    }

    [Fact]
    public async Task An_idle_queue_is_read_at_doubling_intervals_up_to_the_idle_interval()
    {
        var (queue, receiver, clock) = await StartAsync();

        // A second of polls every 10 ms with nothing in the queue: the reads that reach it, by time.
        var readAt = new List<int>();
        for (var ms = 0; ms < 1000; ms += 10)
        {
            var before = queue.Reads;
            await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
            if (queue.Reads > before)
            {
                readAt.Add(ms);
            }

            clock.Advance(Poll);
        }

        // Ten reads 10 ms apart, then waits of 20, 40 and 80 ms, then every 100 ms.
        Assert.Equal([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 110, 150, 230, 330, 430, 530, 630, 730, 830, 930], readAt);
    }

    [Fact]
    public async Task A_message_found_brings_the_queue_back_to_the_full_rate()
    {
        var (queue, receiver, clock) = await StartAsync();
        for (var ms = 0; ms < 500; ms += 10)
        {
            await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
            clock.Advance(Poll);
        }

        // The next read that reaches the queue finds a message; every poll after it reads again.
        queue.Pending = 1;
        var found = 0;
        for (var ms = 0; found == 0 && ms < 1000; ms += 10)
        {
            found = (await receiver.GetQueueMessagesAsync(100, CancellationToken.None)).Count;
            clock.Advance(Poll);
        }

        var readsBefore = queue.Reads;
        for (var poll = 0; poll < 5; poll++)
        {
            await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
            clock.Advance(Poll);
        }

        Assert.Equal((1, readsBefore + 5), (found, queue.Reads));
    }

    private static async Task<(FakeQueue Queue, IQueueAdapterReceiver Receiver, ManualClock Clock)> StartAsync()
    {
        var queue = new FakeQueue();
        var clock = new ManualClock();
        var factory = new IdlePollingQueueAdapterFactory(queue, Poll, Idle, clock);
        var adapter = await factory.CreateAdapter(CancellationToken.None);
        var receiver = adapter.CreateReceiver(QueueId.GetQueueId("chat", 0, 0));
        await receiver.Initialize(TimeSpan.FromSeconds(1));
        return (queue, receiver, clock);
    }

    /// <summary>One queue: counts the reads that reach it and hands out <see cref="Pending"/> messages, once.</summary>
    private sealed class FakeQueue : IQueueAdapterFactory, IQueueAdapter, IQueueAdapterReceiver
    {
        public int Reads { get; private set; }

        public int Pending { get; set; }

        public string Name => "chat";

        public bool IsRewindable => false;

        public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

        public Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) => Task.FromResult<IQueueAdapter>(this);

        public IQueueAdapterCache GetQueueAdapterCache() => throw new NotSupportedException();

        public IStreamQueueMapper GetStreamQueueMapper() => throw new NotSupportedException();

        public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => throw new NotSupportedException();

        public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
            throw new NotSupportedException();

        public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => this;

        public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
        {
            Reads++;
            var messages = Enumerable.Range(0, Pending).Select(_ => (IBatchContainer)null!).ToList();
            Pending = 0;
            return Task.FromResult<IList<IBatchContainer>>(messages);
        }

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;
    }
}
