using System.Collections.Concurrent;
using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Work;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Grains.Backends;

/// <summary>
/// This silo's side of the backends' permits. A request to a metered backend waits in its gate grain's line, which
/// also holds back every silo while the backend has asked the cluster to wait; an unmetered one (the built-in echo)
/// is held back only here. Keeps the permits it holds alive at their gates.
/// </summary>
public sealed partial class BackendPermits(
    IGrainFactory grains,
    SiloWorkload workload,
    TimeProvider clock,
    ILogger<BackendPermits> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, BackendState> _backends = new(StringComparer.OrdinalIgnoreCase);
    private readonly RepeatedFailures _failures = new(TimeSpan.FromSeconds(10));
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Waits until a request of about <paramref name="tokens"/> tokens may go to <paramref name="backend"/>.</summary>
    public async Task<BackendPermit> AcquireAsync(BackendDefinition backend, int tokens, CancellationToken cancellationToken)
    {
        var state = StateOf(backend.Name);
        if (state.HoldUntil - clock.GetUtcNow() is { Ticks: > 0 } hold)
        {
            await Task.Delay(hold, clock, cancellationToken);
        }

        if (!backend.IsMetered)
        {
            return new BackendPermit(this, backend.Name, null, tokens);
        }

        var permit = Guid.NewGuid();
        var gate = grains.GetGrain<IBackendGateGrain>(backend.Name);
        try
        {
            while (true)
            {
                try
                {
                    if (await gate.Acquire(permit, workload.SiloAddress.ToParsableString(), tokens).AsTask().WaitAsync(cancellationToken))
                    {
                        state.Held[permit] = 0;
                        return new BackendPermit(this, backend.Name, permit, tokens);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The gate's silo may have just died; the same permit keeps its place once the gate is back.
                    LogIfRepeated(exception);
                    await Task.Delay(RetryPeriod, clock, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // It may have been granted just as this stopped waiting.
            _ = ReleaseAsync(backend.Name, permit, 0);
            throw;
        }
    }

    /// <summary>The backend turned a request away: hold everything for it back, here and, through its gate, everywhere.</summary>
    public Task HoldOffAsync(string backend, TimeSpan wait)
    {
        var until = clock.GetUtcNow() + wait;
        var state = StateOf(backend);
        state.HoldUntil = until > state.HoldUntil ? until : state.HoldUntil;
        workload.Backends.RecordRateLimited(backend);
        return TellGateAsync(backend, until);
    }

    internal async Task ReleaseAsync(string backend, Guid permit, int extraTokens)
    {
        StateOf(backend).Held.TryRemove(permit, out _);
        try
        {
            await grains.GetGrain<IBackendGateGrain>(backend).Release(permit, extraTokens);
        }
        catch (Exception exception)
        {
            // Not renewed any more, so the gate frees it within its expiry.
            LogIfRepeated(exception);
        }
    }

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BackendPermits), ServiceLifecycleStage.Active, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RenewAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _loop;
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(IBackendGateGrain.RenewPeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await Task.WhenAll(_backends.Where(pair => !pair.Value.Held.IsEmpty).Select(pair => RenewAsync(pair.Key, pair.Value)));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewAsync(string backend, BackendState state)
    {
        try
        {
            await grains.GetGrain<IBackendGateGrain>(backend).Renew(workload.SiloAddress.ToParsableString(), state.Held.Keys.ToArray());
        }
        catch (Exception exception)
        {
            LogIfRepeated(exception);
        }
    }

    private async Task TellGateAsync(string backend, DateTimeOffset until)
    {
        try
        {
            await grains.GetGrain<IBackendGateGrain>(backend).HoldOff(until);
        }
        catch (Exception exception)
        {
            LogIfRepeated(exception);
        }
    }

    private void LogIfRepeated(Exception exception)
    {
        if (_failures.Failed(out var failures))
        {
            LogGateFailing(logger, failures, RepeatedFailures.Describe(exception));
        }
    }

    private BackendState StateOf(string backend) => _backends.GetOrAdd(backend, _ => new BackendState());

    private sealed class BackendState
    {
        public ConcurrentDictionary<Guid, byte> Held { get; } = new();

        public DateTimeOffset HoldUntil { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backend gates could not be reached: {Failures} calls failed since the last such line; last {Error}")]
    private static partial void LogGateFailing(ILogger logger, int failures, string error);
}
