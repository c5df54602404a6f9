using System.Collections.Concurrent;
using Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Grains.Results;

/// <summary>
/// The silo's one sender of reply pieces to batch observers (the frontends): each observer gets one call carrying every
/// piece the silo's result grains queued for it since the last, in the order they were queued. A call costs about the
/// same whatever it carries, and a frontend watches many messages, so a call per piece per frontend becomes a call per
/// frontend per turn of the thread pool. Snapshots are sent at once, each by its own call from the grain that made it
/// (so it belongs to the trace of the request that made it), after whatever was queued for that observer before it.
/// </summary>
/// <remarks>
/// No timer: an observer with nothing in flight is sent to on the next free thread, so an idle silo adds no latency;
/// while the thread pool is busy, pieces gather behind the queued send and go out together, so batches grow with the
/// load. A send returns once the message is handed to the silo's messaging (the calls are one-way), and an observer's
/// sends are made one at a time, so they leave in order. The batches come from no grain (the silo's hosted client sends
/// them), which Orleans allows; no trace is continued by them.
/// </remarks>
public sealed partial class ResultNoticeBatcher(ILogger<ResultNoticeBatcher> logger)
{
    /// <summary>Pieces held for one observer before they are merged or dropped (see <see cref="NoticeQueue"/>).</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<GrainId, Outbox> _outboxes = new();

    /// <summary>Queues a piece of a reply for the observer, to go out with the next batch.</summary>
    public void Queue(IChatResultBatchObserver observer, ReplyDelta delta)
    {
        var id = observer.GetGrainId();
        // An outbox found empty after a send retires; one retired in between is replaced.
        while (!_outboxes.GetOrAdd(id, static (key, state) => new Outbox(state.Batcher, key, state.Observer), (Batcher: this, Observer: observer)).TryAdd(delta))
        {
        }
    }

    /// <summary>Sends the snapshot now, from the caller, after the pieces queued for the observer before it.</summary>
    public void Send(IChatResultBatchObserver observer, ChatResult result)
    {
        if (_outboxes.TryGetValue(observer.GetGrainId(), out var outbox))
        {
            outbox.FlushThen(result);
        }
        else
        {
            // Nothing queued: the pieces of this message, queued by this grain before, have all been sent.
            Deliver(observer, result);
        }
    }

    private void Deliver(IChatResultBatchObserver observer, ResultNotice[] notices)
    {
        try
        {
            _ = observer.OnResultNotices(notices);
        }
        catch (Exception exception)
        {
            // The watcher catches up when it next resubscribes, or at the next gap in the seqs it gets.
            LogSendFailed(logger, exception, observer.GetGrainId(), notices.Length);
        }
    }

    private void Deliver(IChatResultBatchObserver observer, ChatResult result)
    {
        try
        {
            _ = observer.OnResultChanged(result);
        }
        catch (Exception exception)
        {
            LogSendFailed(logger, exception, observer.GetGrainId(), 1);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send {Count} result notices to observer {Observer}")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, GrainId observer, int count);

    private sealed class Outbox(ResultNoticeBatcher batcher, GrainId id, IChatResultBatchObserver observer) : IThreadPoolWorkItem
    {
        // _sending orders the sends; _lock guards the queue, so queueing never waits for a send.
        private readonly Lock _sending = new();
        private readonly Lock _lock = new();
        private readonly NoticeQueue _queue = new(Capacity);
        private bool _scheduled;
        private bool _retired;

        /// <summary>False once retired: the caller queues with the outbox that replaced it.</summary>
        public bool TryAdd(ReplyDelta delta)
        {
            lock (_lock)
            {
                if (_retired)
                {
                    return false;
                }

                _queue.Add(delta);
                if (_scheduled)
                {
                    return true;
                }

                _scheduled = true;
            }

            // The global queue: this thread's own queue is served after the grain turn it is running.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return true;
        }

        public void FlushThen(ChatResult result)
        {
            lock (_sending)
            {
                SendQueued();
                batcher.Deliver(observer, result);
            }
        }

        public void Execute()
        {
            lock (_sending)
            {
                SendQueued();
            }

            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _retired = true;
                    batcher._outboxes.TryRemove(new KeyValuePair<GrainId, Outbox>(id, this));
                    return;
                }
            }

            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        private void SendQueued()
        {
            ResultNotice[] notices;
            lock (_lock)
            {
                notices = _queue.TakeAll();
            }

            if (notices.Length > 0)
            {
                batcher.Deliver(observer, notices);
            }
        }
    }
}
