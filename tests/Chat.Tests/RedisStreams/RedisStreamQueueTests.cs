using Chat.Tests.Infrastructure;
using RedisStreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;
using StackExchange.Redis;

namespace Chat.Tests.RedisStreams;

/// <summary>
/// The Redis Streams queue adapter on its own, against a real redis-server: what a pulling agent reads,
/// what an acknowledgement removes, and what a dead consumer's successor gets back.
/// </summary>
public sealed class RedisStreamQueueTests : IAsyncLifetime
{
    private static readonly Serializer<RedisStreamBatchContainer> Serializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<RedisStreamBatchContainer>>();

    private readonly string _serviceId = $"queue-tests-{Guid.NewGuid():N}";
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _inspector = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        // Admin: the idle test reads the server's command statistics.
        _inspector = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await _inspector.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Entries_of_a_queue_are_read_in_publish_order()
    {
        var (factory, adapter) = await CreateAsync("silo-a");
        var stream = StreamId.Create("orders", "one");
        for (var i = 0; i < 300; i++)
        {
            await adapter.QueueMessageBatchAsync(stream, [$"event-{i}"], null, null);
        }

        var receiver = await ReceiverAsync(factory, adapter);
        var read = await ReadEventsAsync(receiver, expected: 300);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"event-{i}"), read.Select(e => e.Event));
        Assert.True(read.Select(e => e.Token).SequenceEqual(read.Select(e => e.Token).Order()), "tokens grow in delivery order");
    }

    [Fact]
    public async Task Acknowledged_entries_are_deleted_and_never_delivered_again()
    {
        var (factory, adapter) = await CreateAsync("silo-a", visibility: TimeSpan.FromMilliseconds(300));
        var stream = StreamId.Create("orders", "two");
        for (var i = 0; i < 10; i++)
        {
            await adapter.QueueMessageBatchAsync(stream, [$"event-{i}"], null, null);
        }

        var first = await ReadEventsAsync(await ReceiverAsync(factory, adapter), expected: 10);
        foreach (var (_, token) in first.Where((_, index) => index % 2 == 0))
        {
            await factory.AcknowledgeAsync(stream, token);
        }

        var key = factory.KeyOf(QueueOf(factory, stream));
        Assert.Equal(5, await _inspector.GetDatabase().StreamLengthAsync(key));
        Assert.Equal(5, (await _inspector.GetDatabase().StreamPendingAsync(key, "silos")).PendingMessageCount);

        // Once the visibility timeout has passed, another silo's receiver claims exactly the unacknowledged half.
        var (otherFactory, otherAdapter) = await CreateAsync("silo-b", visibility: TimeSpan.FromMilliseconds(300));
        var again = await ReadEventsAsync(await ReceiverAsync(otherFactory, otherAdapter), expected: 5);
        Assert.Equal(["event-1", "event-3", "event-5", "event-7", "event-9"], again.Select(e => e.Event));
        var pending = await _inspector.GetDatabase().StreamPendingAsync(key, "silos");
        Assert.Equal(5, pending.PendingMessageCount);
        Assert.Equal("silo-b", Assert.Single(pending.Consumers).Name);
    }

    [Fact]
    public async Task Entries_a_dead_consumer_held_go_to_the_next_owner_after_the_visibility_timeout()
    {
        var visibility = TimeSpan.FromSeconds(1);
        var (dying, dyingAdapter) = await CreateAsync("silo-dying", visibility);
        var stream = StreamId.Create("orders", "three");
        for (var i = 0; i < 20; i++)
        {
            await dyingAdapter.QueueMessageBatchAsync(stream, [$"event-{i}"], null, null);
        }

        // Read, never acknowledged: the silo dies holding them. Timed from before the read, since Redis times the
        // entries' idleness from when it served them, which is before the read returns here.
        var dyingReceiver = await ReceiverAsync(dying, dyingAdapter);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ReadEventsAsync(dyingReceiver, expected: 20);

        var (successor, successorAdapter) = await CreateAsync("silo-next", visibility);
        var receiver = await ReceiverAsync(successor, successorAdapter);
        var early = await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
        Assert.Empty(early);

        var recovered = await ReadEventsAsync(receiver, expected: 20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"event-{i}"), recovered.Select(e => e.Event));
        Assert.True(clock.Elapsed >= visibility, $"claimed {clock.Elapsed} after the dying consumer read them, before the visibility timeout");
    }

    [Fact]
    public async Task Tokens_keep_growing_when_the_queue_passes_to_another_reader()
    {
        // A consumer tells a queue's new reader the last token it saw; anything older would be skipped.
        var (first, firstAdapter) = await CreateAsync("silo-a");
        var stream = StreamId.Create("orders", "five");
        await firstAdapter.QueueMessageBatchAsync(stream, ["a"], null, null);
        await firstAdapter.QueueMessageBatchAsync(stream, ["b"], null, null);
        var before = await ReadEventsAsync(await ReceiverAsync(first, firstAdapter), expected: 2);

        var (second, secondAdapter) = await CreateAsync("silo-b");
        await secondAdapter.QueueMessageBatchAsync(stream, ["c"], null, null);
        var after = await ReadEventsAsync(await ReceiverAsync(second, secondAdapter), expected: 1);

        Assert.True(after[0].Token.Newer(before[^1].Token), $"{after[0].Token} should follow {before[^1].Token}");
    }

    [Fact]
    public async Task Acknowledge_on_delivery_empties_the_queue_once_the_agent_has_delivered()
    {
        var (factory, adapter) = await CreateAsync("silo-a", acknowledgeOnDelivery: true);
        var stream = StreamId.Create("orders", "four");
        await adapter.QueueMessageBatchAsync(stream, ["a", "b", "c"], null, null);

        var receiver = await ReceiverAsync(factory, adapter);
        var batches = await receiver.GetQueueMessagesAsync(100, CancellationToken.None);
        Assert.Equal(["a", "b", "c"], Assert.Single(batches).GetEvents<string>().Select(e => e.Item1));
        await receiver.MessagesDeliveredAsync(batches, CancellationToken.None);

        var key = factory.KeyOf(QueueOf(factory, stream));
        Assert.Equal(0, await _inspector.GetDatabase().StreamLengthAsync(key));
        Assert.Equal(0, (await _inspector.GetDatabase().StreamPendingAsync(key, "silos")).PendingMessageCount);
    }

    [Fact]
    public async Task Streams_spread_over_the_configured_queues()
    {
        var (factory, _) = await CreateAsync("silo-a", queues: 8);
        var queues = Enumerable.Range(0, 64)
            .Select(i => QueueOf(factory, StreamId.Create("chat-work", $"worker-{i}")))
            .Distinct()
            .Count();

        Assert.Equal(8, factory.GetStreamQueueMapper().GetAllQueues().Count());
        Assert.Equal(8, queues);
    }

    private async Task<(RedisStreamQueueAdapterFactory Factory, IQueueAdapter Adapter)> CreateAsync(
        string consumer, TimeSpan? visibility = null, bool acknowledgeOnDelivery = false, int queues = 1, TimeSpan? idleRead = null)
    {
        var options = new RedisStreamOptions
        {
            ConnectionString = _redis.ConnectionString,
            AcknowledgeOnDelivery = acknowledgeOnDelivery,
            VisibilityTimeout = visibility ?? TimeSpan.FromSeconds(30),
            ClaimInterval = visibility is null ? TimeSpan.FromHours(1) : TimeSpan.FromMilliseconds(50),
            IdleReadInterval = idleRead ?? TimeSpan.FromSeconds(1),
        };
        var factory = new RedisStreamQueueAdapterFactory(
            "test", options, new HashRingStreamQueueMapperOptions { TotalQueueCount = queues }, new SimpleQueueCacheOptions(),
            _serviceId, consumer, Serializer, NullLoggerFactory.Instance);
        return (factory, await factory.CreateAdapter(CancellationToken.None));
    }

    [Fact]
    public async Task An_idle_receiver_waits_without_reading_redis_until_a_publish_wakes_it()
    {
        // An idle interval longer than the test: only the publisher's wake-up can make the receiver read again.
        var (factory, adapter) = await CreateAsync("silo-a", idleRead: TimeSpan.FromHours(1));
        var receiver = await ReceiverAsync(factory, adapter);
        Assert.Empty(await receiver.GetQueueMessagesAsync(100, CancellationToken.None));

        // The next read waits rather than returning empty at once, so the pulling agent's timer, which starts its
        // next period only when a read returns, stops ticking while the queue is idle.
        var before = await ReadGroupCallsAsync();
        var waiting = receiver.GetQueueMessagesAsync(100, CancellationToken.None);
        Assert.False(waiting.IsCompleted, "an idle receiver's read returned without a wake-up");
        Assert.Equal(before, await ReadGroupCallsAsync());

        await adapter.QueueMessageBatchAsync(StreamId.Create("orders", "idle"), ["wake-up"], null, null);
        var batches = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["wake-up"], Assert.Single(batches).GetEvents<string>().Select(e => e.Item1));
        Assert.Equal(before + 1, await ReadGroupCallsAsync());
    }

    [Fact]
    public async Task A_waiting_read_returns_empty_once_the_agent_stops()
    {
        var (factory, adapter) = await CreateAsync("silo-a", idleRead: TimeSpan.FromHours(1));
        var receiver = await ReceiverAsync(factory, adapter);
        Assert.Empty(await receiver.GetQueueMessagesAsync(100, CancellationToken.None));

        using var stopping = new CancellationTokenSource();
        var cancelled = receiver.GetQueueMessagesAsync(100, stopping.Token);
        Assert.False(cancelled.IsCompleted, "an idle receiver's read returned without a wake-up");
        await stopping.CancelAsync();
        Assert.Empty(await cancelled.WaitAsync(TimeSpan.FromSeconds(20)));

        // Shutting the receiver down ends a read nobody cancelled, instead of leaving it for the idle interval.
        var uncancelled = receiver.GetQueueMessagesAsync(100, CancellationToken.None);
        Assert.False(uncancelled.IsCompleted, "an idle receiver's read returned without a wake-up");
        await receiver.Shutdown(TimeSpan.FromSeconds(5));
        await uncancelled.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>How many XREADGROUP commands the server has run: what an idle queue costs Redis.</summary>
    private async Task<long> ReadGroupCallsAsync()
    {
        var server = _inspector.GetServer(_inspector.GetEndPoints().Single());
        var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group).ToDictionary(pair => pair.Key, pair => pair.Value);
        return stats.TryGetValue("cmdstat_xreadgroup", out var value)
            ? long.Parse(value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
    }

    private static QueueId QueueOf(RedisStreamQueueAdapterFactory factory, StreamId stream) =>
        factory.GetStreamQueueMapper().GetQueueForStream(stream);

    private static async Task<IQueueAdapterReceiver> ReceiverAsync(RedisStreamQueueAdapterFactory factory, IQueueAdapter adapter)
    {
        var receiver = adapter.CreateReceiver(factory.GetStreamQueueMapper().GetAllQueues().First());
        await receiver.Initialize(TimeSpan.FromSeconds(5));
        return receiver;
    }

    private static async Task<List<(string Event, StreamSequenceToken Token)>> ReadEventsAsync(IQueueAdapterReceiver receiver, int expected)
    {
        var read = new List<(string, StreamSequenceToken)>();
        await Eventually.Returns(async () =>
        {
            foreach (var batch in await receiver.GetQueueMessagesAsync(100, CancellationToken.None))
            {
                read.AddRange(batch.GetEvents<string>().Select(e => (e.Item1, e.Item2)));
            }

            return read.Count;
        }, count => count >= expected, $"{expected} events", TimeSpan.FromSeconds(20));
        Assert.Equal(expected, read.Count);
        return read;
    }
}
