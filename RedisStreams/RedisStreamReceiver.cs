using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Streams;
using StackExchange.Redis;

namespace RedisStreams;

/// <summary>
/// Reads one queue for the silo that currently owns it: first any entries whose consumer has held them past the
/// visibility timeout (claimed in a rolling sweep), then new entries. Never blocks Redis: StackExchange.Redis shares
/// one connection. Once the queue comes back empty, a read waits in memory until a publisher's wake-up arrives over
/// Redis pub/sub, the idle interval has passed or the sweep is due, so an idle queue costs Redis about one read a
/// second and its silo about one pulling-agent tick a second instead of one per poll interval: the agent's timer
/// starts its next period only once a read returns.
/// </summary>
internal sealed partial class RedisStreamReceiver(
    IDatabase redis,
    ISubscriber subscriber,
    RedisKey key,
    RedisStreamOptions options,
    string consumer,
    Serializer<RedisStreamBatchContainer> serializer,
    TimeProvider clock,
    ILogger logger) : IQueueAdapterReceiver
{
    private static readonly RedisValue SweepStart = "0-0";
    private readonly RedisKey _sequenceKey = key.Append(":sequence");
    private readonly RedisChannel _wakeChannel = WakeChannel(key);
    private RedisValue _sweepCursor = SweepStart;
    private DateTimeOffset _nextSweep;
    private DateTimeOffset _nextIdleRead;
    private readonly Lock _wakeGate = new();
    private TaskCompletionSource _wakeSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _woken = true;
    private bool _idle;

    /// <summary>The pub/sub channel on which a publish to the queue at <paramref name="queue"/> wakes its receiver.</summary>
    internal static RedisChannel WakeChannel(RedisKey queue) => RedisChannel.Literal($"{queue}:wake");

    public async Task Initialize(TimeSpan timeout)
    {
        try
        {
            // From the start of the stream: entries published before any silo read this queue are not skipped.
            await redis.StreamCreateConsumerGroupAsync(key, options.ConsumerGroup, StackExchange.Redis.StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another silo, or an earlier owner, created it.
        }

        // Sweep at once: a new owner of the queue recovers what an earlier owner left pending.
        _nextSweep = clock.GetUtcNow();
        await subscriber.SubscribeAsync(_wakeChannel, (_, _) => Wake());
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        if (_idle && !await WaitWhileIdleAsync(cancellationToken))
        {
            return [];
        }

        var limit = maxCount > 0 ? Math.Min(maxCount, options.ReadCount) : options.ReadCount;
        var batches = new List<(RedisStreamBatchContainer Batch, string EntryId)>();
        if (clock.GetUtcNow() >= _nextSweep)
        {
            var claimed = await redis.StreamAutoClaimAsync(
                key, options.ConsumerGroup, consumer, (long)options.VisibilityTimeout.TotalMilliseconds, _sweepCursor, limit);
            _sweepCursor = claimed.NextStartId;
            if (_sweepCursor == SweepStart)
            {
                // A full pass over the pending entries is done; the next starts after the interval.
                _nextSweep = clock.GetUtcNow() + options.ClaimInterval;
            }

            if (claimed.ClaimedEntries.Length > 0)
            {
                LogClaimed(logger, claimed.ClaimedEntries.Length, key.ToString());
            }

            await AddAsync(batches, claimed.ClaimedEntries);
        }

        bool read;
        lock (_wakeGate)
        {
            read = _woken || !_idle || clock.GetUtcNow() >= _nextIdleRead;
            if (batches.Count < limit && read)
            {
                // Cleared before reading: a wake-up that arrives during the read is for an entry it may miss.
                _woken = false;
            }
        }

        if (batches.Count < limit && read)
        {
            var entries = await redis.StreamReadGroupAsync(key, options.ConsumerGroup, consumer, StackExchange.Redis.StreamPosition.NewMessages, limit - batches.Count);
            await AddAsync(batches, entries);
        }

        if (batches.Count == 0)
        {
            if (read)
            {
                _idle = true;
                _nextIdleRead = clock.GetUtcNow() + options.IdleReadInterval;
            }

            return [];
        }

        _idle = false;

        // Tokens grow across every reader this queue ever had, not just this one: a consumer tells a new
        // reader the last token it saw, and the queue cache skips whatever is older than that.
        var last = await redis.StringIncrementAsync(_sequenceKey, batches.Count);
        var first = last - batches.Count + 1;
        return batches
            .Select((read, i) => (IBatchContainer)read.Batch.WithToken(new RedisStreamSequenceToken(first + i, 0, read.EntryId)))
            .ToList();
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        if (!options.AcknowledgeOnDelivery || messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        var ids = messages.Select(message => ((RedisStreamSequenceToken)message.SequenceToken).EntryId).ToArray();
        return AcknowledgeAsync(redis, key, options.ConsumerGroup, ids);
    }

    public Task Shutdown(TimeSpan timeout)
    {
        // A read still waiting returns at once: the agent awaits it before shutting the receiver down, but a
        // caller that did not cancel it should not wait out the idle interval either.
        Wake();
        return subscriber.UnsubscribeAsync(_wakeChannel);
    }

    private void Wake()
    {
        lock (_wakeGate)
        {
            _woken = true;
            _wakeSignal.TrySetResult();
        }
    }

    /// <summary>
    /// Waits until a wake-up, the next idle read or the next sweep, whichever comes first. False when
    /// <paramref name="cancellationToken"/> ended the wait: the agent is stopping.
    /// </summary>
    private async Task<bool> WaitWhileIdleAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_wakeGate)
        {
            if (_woken)
            {
                return true;
            }

            if (_wakeSignal.Task.IsCompleted)
            {
                _wakeSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            signal = _wakeSignal.Task;
        }

        var due = (_nextIdleRead < _nextSweep ? _nextIdleRead : _nextSweep) - clock.GetUtcNow();
        if (due <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await signal.WaitAsync(due, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        return true;
    }

    /// <summary>Acknowledges entries and deletes them, so the stream holds only work not yet done.</summary>
    internal static async Task AcknowledgeAsync(IDatabase redis, RedisKey key, string group, IReadOnlyCollection<string> entryIds)
    {
        var ids = entryIds.Select(id => (RedisValue)id).ToArray();
        var transaction = redis.CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(key, group, ids);
        _ = transaction.StreamDeleteAsync(key, ids);
        await transaction.ExecuteAsync();
    }

    private async Task AddAsync(List<(RedisStreamBatchContainer Batch, string EntryId)> batches, StreamEntry[] entries)
    {
        List<string>? poisoned = null;
        foreach (var entry in entries)
        {
            if (entry.IsNull)
            {
                continue;
            }

            try
            {
                var payload = (byte[]?)entry[RedisStreamQueueAdapter.PayloadField]
                    ?? throw new InvalidDataException($"The entry has no '{RedisStreamQueueAdapter.PayloadField}' field.");
                var batch = serializer.Deserialize(payload) ?? throw new InvalidDataException("The entry holds no batch.");
                batches.Add((batch, entry.Id!));
            }
            catch (Exception exception)
            {
                // An entry nobody can read would be claimed forever; drop it, loudly.
                LogUnreadable(logger, exception, entry.Id.ToString(), key.ToString());
                (poisoned ??= []).Add(entry.Id!);
            }
        }

        if (poisoned is not null)
        {
            await AcknowledgeAsync(redis, key, options.ConsumerGroup, poisoned);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {Count} entries of {Queue} left unacknowledged past the visibility timeout")]
    private static partial void LogClaimed(ILogger logger, int count, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped unreadable entry {Entry} of {Queue}")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string entry, string queue);
}
