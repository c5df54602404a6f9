using System.Collections.Concurrent;
using Grains.Backends;
using Grains.Options;

namespace Grains.Work;

/// <summary>
/// One worker's queue of received messages for its backend, processed concurrently up to a per-worker bound, the
/// backend's permits (its cluster-wide cap and budgets) and the silo's bound for that backend, taken in that order
/// so that a message starts only once it may be sent. Messages are taken in turn across tenants (<see cref="LaneQueue"/>),
/// so one tenant's backlog does not hold up another's. Runs off the grain's scheduler, so a slow backend never holds
/// the grain or its partition. A retry that is not due yet waits on a timer of its own, without a slot.
/// </summary>
internal sealed class WorkerLane
{
    private readonly LaneQueue _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots;
    private readonly string _worker;
    private readonly BackendDefinition _backend;
    private readonly BackendPermits _permits;
    private readonly AttemptRunner _runner;
    private readonly SiloWorkload _workload;
    private readonly TimeProvider _clock;
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    // Stream entries this lane holds, with when each started running (0 while it waits). A backlog that waits longer
    // than the lease for its backend is delivered again to this same lane; without this it would pile up a copy per
    // sweep. A copy of one running past its time limit is let through: that attempt may never report, and the copy's
    // claim is how the lifecycle takes it over.
    private readonly ConcurrentDictionary<string, long> _entries = new(StringComparer.Ordinal);
    private readonly WorkAcknowledgement _acknowledgement;

    public WorkerLane(
        string worker,
        BackendDefinition backend,
        int maxInFlight,
        AttemptRunner runner,
        BackendPermits permits,
        WorkAcknowledgement acknowledgement,
        SiloWorkload workload,
        TenantWeights weights,
        TimeProvider clock)
    {
        _queue = new LaneQueue(weights, clock);
        _acknowledgement = acknowledgement;
        _worker = worker;
        _backend = backend;
        _permits = permits;
        _runner = runner;
        _workload = workload;
        _clock = clock;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        _loop = Task.Run(RunAsync);
    }

    public bool Enqueue(ReceivedWork work)
    {
        if (_acknowledgement.EntryOf(work) is { } entry && !_entries.TryAdd(entry, 0) && !Overdue(entry))
        {
            // Already held here: the copy being held is acknowledged when its message ends.
            return true;
        }

        if (!_queue.TryAdd(work))
        {
            Forget(work);
            return false;
        }

        _workload.RecordPending(_backend.Name, 1);
        return true;
    }

    /// <summary>Stops starting new work and returns what never started. Work already running finishes on its own.</summary>
    public async Task<IReadOnlyList<ReceivedWork>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var unstarted = _queue.Stop();
        _workload.RecordPending(_backend.Name, -unstarted.Count);
        unstarted.ForEach(Forget);
        return unstarted;
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

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _queue.WaitAsync(_stop.Token);
                var permit = await AcquireAsync();
                if (_workload.Draining)
                {
                    // The silo is stopping: what has not started goes back to the stream when this worker stops.
                    _ = permit.ReleaseAsync();
                    ReleaseSlots();
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                if (_queue.TryTake(out var work))
                {
                    _workload.RecordPending(_backend.Name, -1);
                    if (_acknowledgement.EntryOf(work) is { } entry)
                    {
                        _entries[entry] = _clock.GetTimestamp();
                    }

                    _ = RunJobAsync(work, permit);
                }
                else
                {
                    _ = permit.ReleaseAsync();
                    ReleaseSlots();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>A slot of this worker, leave from the backend, then a slot of the silo; on failure, gives back what it took.</summary>
    private async Task<BackendPermit> AcquireAsync()
    {
        await _slots.WaitAsync(_stop.Token);
        BackendPermit? permit = null;
        try
        {
            // The message next in line sizes the request for a token budget. Another tenant's message that arrives
            // meanwhile may be taken instead, as fairness wants; the permit is charged for what the backend reports.
            var tokens = _queue.TryPeek(out var next) ? EstimateTokens(next.Item.Message) : 1;
            permit = await _permits.AcquireAsync(_backend, tokens, _stop.Token);
            await _workload.AcquireSlotAsync(_backend.Name, _stop.Token);
            return permit;
        }
        catch
        {
            _ = permit?.ReleaseAsync();
            _slots.Release();
            throw;
        }
    }

    private async Task RunJobAsync(ReceivedWork work, BackendPermit permit)
    {
        using var cancel = new CancellationTokenSource();
        _running[work.Item.Id] = cancel;
        try
        {
            await _runner.RunAsync(work, _worker, _backend, permit, cancel.Token);
        }
        finally
        {
            _running.TryRemove(work.Item.Id, out _);
            Forget(work);
            await permit.ReleaseAsync();
            ReleaseSlots();
        }
    }

    private bool Overdue(string entry) =>
        _entries.TryGetValue(entry, out var started) && started != 0 && _clock.GetElapsedTime(started) > _backend.Timeout;

    private void Forget(ReceivedWork work)
    {
        if (_acknowledgement.EntryOf(work) is { } entry)
        {
            _entries.TryRemove(entry, out _);
        }
    }

    /// <summary>About four characters a token, as for English text with the common tokenizers; the reply is charged once known.</summary>
    private static int EstimateTokens(string message) => message.Length / 4 + 1;

    private void ReleaseSlots()
    {
        _slots.Release();
        _workload.ReleaseSlot(_backend.Name);
    }
}
