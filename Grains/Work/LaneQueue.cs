using Grains.Interfaces;
using Grains.Options;

namespace Grains.Work;

/// <summary>
/// What one lane holds and has not started: messages that are due, taken fairly across tenants
/// (<see cref="FairQueue{T}"/>), and retries whose backoff has not passed, each waiting on a timer of its own and
/// joining the due ones when it passes. Used by the grain (adding) and the lane's loop (taking) at once.
/// </summary>
internal sealed class LaneQueue
{
    private readonly Lock _lock = new();
    private readonly FairQueue<ReceivedWork> _due;
    private readonly HashSet<ReceivedWork> _waiting = [];
    private readonly SemaphoreSlim _dueCount = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _clock;

    public LaneQueue(TenantWeights weights, TimeProvider clock)
    {
        _due = new FairQueue<ReceivedWork>(work => TenantKeys.TenantOf(work.Item.Id), weights.Of);
        _clock = clock;
    }

    /// <summary>Holds <paramref name="work"/> until it is taken or the queue stops; false if it has stopped.</summary>
    public bool TryAdd(ReceivedWork work)
    {
        var due = work.Item.NotBefore - _clock.GetUtcNow() ?? TimeSpan.Zero;
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return false;
            }

            if (due <= TimeSpan.Zero)
            {
                AddDue(work);
                return true;
            }

            _waiting.Add(work);
        }

        _ = AddWhenDueAsync(work, due);
        return true;
    }

    /// <summary>Waits until a message is due. Each return stands for one message, which only <see cref="TryTake"/> takes.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _dueCount.WaitAsync(cancellationToken);

    /// <summary>The message <see cref="TryTake"/> would take now.</summary>
    public bool TryPeek(out ReceivedWork work)
    {
        lock (_lock)
        {
            return _due.TryPeek(out work);
        }
    }

    public bool TryTake(out ReceivedWork work)
    {
        lock (_lock)
        {
            return _due.TryDequeue(out work);
        }
    }

    /// <summary>Takes nothing more and returns everything held, due or not.</summary>
    public List<ReceivedWork> Stop()
    {
        lock (_lock)
        {
            _stop.Cancel();
            var all = _due.DequeueAll();
            all.AddRange(_waiting);
            _waiting.Clear();
            return all;
        }
    }

    private void AddDue(ReceivedWork work)
    {
        _due.Enqueue(work);
        _dueCount.Release();
    }

    private async Task AddWhenDueAsync(ReceivedWork work, TimeSpan due)
    {
        try
        {
            await Task.Delay(due, _clock, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping: Stop has taken it from the waiting set and handed it back.
            return;
        }

        lock (_lock)
        {
            // Whoever takes it from the waiting set owns it; Stop empties the set under this lock.
            if (_waiting.Remove(work))
            {
                AddDue(work);
            }
        }
    }
}
