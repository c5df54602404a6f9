using System.Collections.Concurrent;
using System.Threading.Channels;
using Grains.Interfaces;

namespace Grains.Work;

/// <summary>
/// One worker's queue of received messages, processed concurrently up to a per-worker bound and the
/// silo-wide bound. Runs off the grain's scheduler, so a slow backend never holds the grain or its partition.
/// </summary>
internal sealed class WorkerLane
{
    private readonly Channel<ChatWorkItem> _pending = Channel.CreateUnbounded<ChatWorkItem>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots;
    private readonly string _worker;
    private readonly ChatJobRunner _runner;
    private readonly SiloWorkload _workload;
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    public WorkerLane(string worker, int maxInFlight, ChatJobRunner runner, SiloWorkload workload)
    {
        _worker = worker;
        _runner = runner;
        _workload = workload;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _loop = Task.Run(RunAsync);
    }

    public bool Enqueue(ChatWorkItem item)
    {
        if (!_pending.Writer.TryWrite(item))
        {
            return false;
        }

        _workload.RecordPending(1);
        return true;
    }

    /// <summary>Stops starting new work and returns what never started. Work already running finishes on its own.</summary>
    public async Task<IReadOnlyList<ChatWorkItem>> StopAsync()
    {
        _pending.Writer.TryComplete();
        await _stop.CancelAsync();
        await _loop;
        var unstarted = new List<ChatWorkItem>();
        while (_pending.Reader.TryRead(out var item))
        {
            unstarted.Add(item);
        }

        _workload.RecordPending(-unstarted.Count);
        return unstarted;
    }

    private async Task RunAsync()
    {
        try
        {
            while (await _pending.Reader.WaitToReadAsync(_stop.Token))
            {
                await _slots.WaitAsync(_stop.Token);
                try
                {
                    await _workload.AcquireSlotAsync(_stop.Token);
                }
                catch
                {
                    _slots.Release();
                    throw;
                }

                if (_pending.Reader.TryRead(out var item))
                {
                    _workload.RecordPending(-1);
                    _ = RunJobAsync(item);
                }
                else
                {
                    ReleaseSlots();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Cancels the processor of a message this lane is running; false if it is not running here.</summary>
    public bool CancelRunning(string messageId)
    {
        if (!_running.TryGetValue(messageId, out var cancel))
        {
            return false;
        }

        cancel.Cancel();
        return true;
    }

    private async Task RunJobAsync(ChatWorkItem item)
    {
        using var cancel = new CancellationTokenSource();
        _running[item.Id] = cancel;
        try
        {
            await _runner.RunAsync(item, _worker, cancel.Token);
        }
        finally
        {
            _running.TryRemove(item.Id, out _);
            ReleaseSlots();
        }
    }

    private void ReleaseSlots()
    {
        _slots.Release();
        _workload.ReleaseSlot();
    }
}
