using Grains.Interfaces;
using Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grains.Work;

/// <summary>
/// The work one silo holds: its cumulative counters, the bound on messages in flight (per backend, so a stalled
/// backend cannot take the slots another needs), and the drain on shutdown (finish what this silo holds, after
/// stream agents stopped and before grains deactivate).
/// </summary>
public sealed partial class SiloWorkload : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly ProcessingOptions _options;
    private readonly ILogger<SiloWorkload> _logger;
    private static readonly TimeSpan CutOffRecordLimit = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private long _accepted;
    private long _started;
    private long _completed;
    private long _failed;
    private int _inFlight;
    private int _pending;
    private int _slotsHeld;
    private bool _draining;

    public SiloWorkload(ILocalSiloDetails silo, IOptions<ProcessingOptions> options, ILogger<SiloWorkload> logger)
    {
        _options = options.Value;
        _logger = logger;
        SiloName = silo.SiloAddress.Endpoint.ToString();
        SiloAddress = silo.SiloAddress;
    }

    /// <summary>How results and reports name this silo: its endpoint, e.g. 127.0.0.1:11111.</summary>
    public string SiloName { get; }

    public SiloAddress SiloAddress { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Cancelled when the drain deadline passes: processors still running are asked to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>The same work broken down by backend.</summary>
    public BackendWorkload Backends { get; } = new();

    /// <summary>Set when the silo starts stopping: from then on lanes start nothing new; it goes back to the stream.</summary>
    public bool Draining => Volatile.Read(ref _draining);

    /// <summary>A lane holds a slot from deciding to start a message until it has finished, so the drain sees it.</summary>
    public async Task AcquireSlotAsync(string backend, CancellationToken cancellationToken)
    {
        await SlotsOf(backend).WaitAsync(cancellationToken);
        Interlocked.Increment(ref _slotsHeld);
    }

    public void ReleaseSlot(string backend)
    {
        Interlocked.Decrement(ref _slotsHeld);
        SlotsOf(backend).Release();
    }

    private SemaphoreSlim SlotsOf(string backend) =>
        _slots.GetOrAdd(backend, _ => new SemaphoreSlim(_options.MaxInFlightPerSilo, _options.MaxInFlightPerSilo));

    /// <summary>A message was put on the work stream from this silo (new, retried, or cut off and queued again).</summary>
    public void RecordAccepted() => Interlocked.Increment(ref _accepted);

    public void RecordPending(string backend, int count)
    {
        Interlocked.Add(ref _pending, count);
        Backends.RecordPending(backend, count);
    }

    public void RecordStarted(string backend)
    {
        Interlocked.Increment(ref _started);
        Interlocked.Increment(ref _inFlight);
        Backends.RecordStarted(backend);
    }

    /// <summary>
    /// An attempt ended. Only a recorded completion or final failure counts: a retried, cut-off or superseded
    /// attempt is neither, since the message goes on (or another attempt decides it).
    /// </summary>
    public void RecordFinished(string backend, WorkOutcome outcome, ChatReply? reply)
    {
        Backends.RecordFinished(backend, outcome, reply);
        if (outcome == WorkOutcome.Completed)
        {
            Interlocked.Increment(ref _completed);
        }
        else if (outcome == WorkOutcome.Failed)
        {
            Interlocked.Increment(ref _failed);
        }

        Interlocked.Decrement(ref _inFlight);
    }

    public SiloLoadReport Snapshot()
    {
        // In flight first: an attempt counts as finished before it leaves the in-flight count, so a report that
        // shows nothing in flight includes every finished attempt.
        var inFlight = Volatile.Read(ref _inFlight);
        var pending = Volatile.Read(ref _pending);
        return new SiloLoadReport(
            SiloName, StartedAt, Interlocked.Read(ref _accepted), Interlocked.Read(ref _started), Interlocked.Read(ref _completed),
            Interlocked.Read(ref _failed), inFlight, pending, SiloAddress.ToParsableString(), Backends.Snapshot());
    }

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloWorkload), ServiceLifecycleStage.BecomeActive, _ => Task.CompletedTask, DrainAsync);

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = TimeSpan.FromSeconds(_options.ShutdownDrainSeconds);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        // Whatever has not started stays in the lanes and is handed back to the stream as the workers
        // deactivate; only what runs is finished here. Work started after this point could be cut off
        // when the process exits, and would then run twice.
        Volatile.Write(ref _draining, true);
        LogDraining(_logger, Volatile.Read(ref _inFlight), Volatile.Read(ref _pending), deadline);
        try
        {
            while (Volatile.Read(ref _slotsHeld) > 0)
            {
                await Task.Delay(20, timeout.Token);
            }

            LogDrained(_logger);
        }
        catch (OperationCanceledException)
        {
            LogDrainDeadline(_logger, Volatile.Read(ref _pending), Volatile.Read(ref _inFlight));
            await _stopping.CancelAsync();
            await WaitForCutOffsAsync();
        }
    }

    /// <summary>
    /// Gives the attempts just cut off a moment to record that they were (so their messages are queued again at
    /// once), since embedded mode has no lease that would bring them back. A processor deaf to its token is not
    /// waited for beyond that.
    /// </summary>
    private async Task WaitForCutOffsAsync()
    {
        using var limit = new CancellationTokenSource(CutOffRecordLimit);
        try
        {
            while (Volatile.Read(ref _slotsHeld) > 0)
            {
                await Task.Delay(20, limit.Token);
            }
        }
        catch (OperationCanceledException)
        {
            LogCutOffsUnrecorded(_logger, Volatile.Read(ref _inFlight));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: finishing {InFlight} running messages, handing {Pending} not started back to the stream (deadline {Deadline})")]
    private static partial void LogDraining(ILogger logger, int inFlight, int pending, TimeSpan deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{InFlight} attempts cut off by the drain deadline did not end in time; their messages come back after the lease, or stay processing in embedded mode")]
    private static partial void LogCutOffsUnrecorded(ILogger logger, int inFlight);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: nothing runs on this silo any more")]
    private static partial void LogDrained(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain deadline passed with {Pending} pending and {InFlight} running; pending work is handed back to the stream")]
    private static partial void LogDrainDeadline(ILogger logger, int pending, int inFlight);
}
