using Orleans.Streams;

namespace Silo;

/// <summary>
/// Embedded mode's stream queues, read less often while they stay empty. A pulling agent asks its queue grain for
/// messages every poll interval whether or not any came, and with the queue grains on one silo most of those asks
/// cross processes: an idle cluster of three silos spent about a tenth of a core on them. A queue found empty
/// <see cref="EmptyReadsBeforeBackoff"/> times in a row is then read at growing intervals, up to
/// <c>idleInterval</c>; the first message read resets it. Under load a queue is rarely empty twice running, so
/// messages are read at the full rate; the first one after a quiet spell waits up to <c>idleInterval</c> longer.
/// </summary>
public sealed class IdlePollingQueueAdapterFactory(IQueueAdapterFactory inner, TimeSpan pollInterval, TimeSpan idleInterval, TimeProvider clock)
    : IQueueAdapterFactory
{
    /// <summary>A tenth of a second of nothing at the default 10 ms poll interval.</summary>
    public const int EmptyReadsBeforeBackoff = 10;

    private TimeProvider Clock { get; } = clock;

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) => new Adapter(await inner.CreateAdapter(cancellationToken), this);

    public IQueueAdapterCache GetQueueAdapterCache() => inner.GetQueueAdapterCache();

    public IStreamQueueMapper GetStreamQueueMapper() => inner.GetStreamQueueMapper();

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => inner.GetDeliveryFailureHandler(queueId);

    private sealed class Adapter(IQueueAdapter inner, IdlePollingQueueAdapterFactory factory) : IQueueAdapter
    {
        public string Name => inner.Name;

        public bool IsRewindable => inner.IsRewindable;

        public StreamProviderDirection Direction => inner.Direction;

        public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
            inner.QueueMessageBatchAsync(streamId, events, token, requestContext);

        public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new Receiver(inner.CreateReceiver(queueId), factory);
    }

    /// <summary>Used by one pulling agent, one read at a time.</summary>
    private sealed class Receiver(IQueueAdapterReceiver inner, IdlePollingQueueAdapterFactory factory) : IQueueAdapterReceiver
    {
        private static readonly IList<IBatchContainer> Nothing = Array.Empty<IBatchContainer>();

        private int _emptyReads;
        private long _lastEmptyRead;
        private TimeSpan _wait;

        public Task Initialize(TimeSpan timeout) => inner.Initialize(timeout);

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
        {
            if (_wait > TimeSpan.Zero && factory.Clock.GetElapsedTime(_lastEmptyRead) < _wait)
            {
                return Nothing;
            }

            var messages = await inner.GetQueueMessagesAsync(maxCount, cancellationToken);
            if (messages is { Count: > 0 })
            {
                _emptyReads = 0;
                _wait = TimeSpan.Zero;
                return messages;
            }

            _emptyReads++;
            _lastEmptyRead = factory.Clock.GetTimestamp();
            _wait = _emptyReads < EmptyReadsBeforeBackoff ? TimeSpan.Zero : factory.WaitAfter(_emptyReads);
            return messages ?? Nothing;
        }

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) =>
            inner.MessagesDeliveredAsync(messages, cancellationToken);

        public Task Shutdown(TimeSpan timeout) => inner.Shutdown(timeout);
    }

    /// <summary>Doubles from the poll interval with each further empty read, up to the idle interval.</summary>
    private TimeSpan WaitAfter(int emptyReads)
    {
        var doublings = Math.Min(emptyReads - EmptyReadsBeforeBackoff + 1, 16);
        var wait = pollInterval * Math.Pow(2, doublings);
        return wait < idleInterval ? wait : idleInterval;
    }
}
