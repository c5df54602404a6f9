using System.Collections.Concurrent;
using Grains.Options;
using Grains.Retention;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Silo;

/// <summary>
/// Embedded mode's grain storage, which keeps records in silo memory for ever: this silo remembers the
/// <see cref="IExpiringState"/> records it wrote with an expiry, and <see cref="MemoryExpirySweep"/> clears each once
/// it has passed, so memory holds only what is still readable even when nobody asks for an expired result again.
/// </summary>
public sealed class ExpiringMemoryGrainStorage(IGrainStorage inner, MemoryExpirySweep sweep) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is not IExpiringState expiring)
        {
            return;
        }

        if (expiring.ExpiresAt is { } at)
        {
            // Cleared only as written: a later write elsewhere changes the ETag, and the clear is refused. Only the
            // ETag is kept, not the state, so what waits here costs a few dozen bytes, not a second copy of the result.
            var written = new GrainState<T>(default!, grainState.ETag) { RecordExists = true };
            sweep.Track((stateName, grainId), at, () => inner.ClearStateAsync(stateName, grainId, written));
        }
        else
        {
            sweep.Forget((stateName, grainId));
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.ClearStateAsync(stateName, grainId, grainState);
        sweep.Forget((stateName, grainId));
    }
}

/// <summary>Every <see cref="ResultsOptions.SweepPeriod"/>, clears the records <see cref="ExpiringMemoryGrainStorage"/> saw expire.</summary>
public sealed partial class MemoryExpirySweep(TimeProvider clock, IOptions<ResultsOptions> options, ILogger<MemoryExpirySweep> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), (DateTimeOffset At, Func<Task> Clear)> _expiring = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public void Track((string, GrainId) record, DateTimeOffset at, Func<Task> clear) => _expiring[record] = (at, clear);

    public void Forget((string, GrainId) record) => _expiring.TryRemove(record, out _);

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(MemoryExpirySweep),
        ServiceLifecycleStage.Active,
        _ =>
        {
            _running = RunAsync(_stopping.Token);
            return Task.CompletedTask;
        },
        async _ =>
        {
            await _stopping.CancelAsync();
            await _running;
        });

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await SweepAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // The silo stops.
        }
    }

    private async Task SweepAsync()
    {
        var now = clock.GetUtcNow();
        foreach (var (record, (at, clear)) in _expiring)
        {
            if (at > now)
            {
                continue;
            }

            try
            {
                await clear();
            }
            catch (InconsistentStateException)
            {
                // Written again since (a retried failure, a new message under the id): that write decides now.
            }
            catch (Exception exception)
            {
                LogClearFailed(logger, exception, record.Grain);
                continue;
            }

            // Removed only if not tracked again meanwhile with a newer expiry.
            _expiring.TryRemove(new KeyValuePair<(string, GrainId), (DateTimeOffset, Func<Task>)>(record, (at, clear)));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not clear the expired record of {Grain}; trying again on the next sweep")]
    private static partial void LogClearFailed(ILogger logger, Exception exception, GrainId grain);
}
