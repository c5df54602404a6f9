using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Options;
using Grains.Work;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grains.Load;

/// <summary>
/// Sends this silo's counters to the cluster load grain on a fixed interval and keeps the answer for the
/// backlog gate. Runs from application start-up until after grains are deactivated, so the final
/// counters of a draining silo are reported too.
/// </summary>
public sealed partial class ClusterLoadReporter(
    IGrainFactory grains,
    SiloWorkload workload,
    BacklogGate gate,
    IOptions<StreamingOptions> options,
    ILogger<ClusterLoadReporter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private readonly RepeatedFailures _failures = new(LogInterval);
    private Task _loop = Task.CompletedTask;

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ClusterLoadReporter), ServiceLifecycleStage.ApplicationServices, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _loop;
        try
        {
            await ReportOnceAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception exception)
        {
            LogReportFailed(logger, exception);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.LoadReportIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    await ReportOnceAsync();
                    if (_failures.Recovered(out var unlogged))
                    {
                        LogReportingAgain(logger, unlogged);
                    }
                }
                catch (Exception exception)
                {
                    // Early in start-up the cluster may not route calls yet, and while a silo is dead but not yet
                    // declared dead the load grain may be out of reach; the next tick tries again.
                    if (_failures.Failed(out var failures))
                    {
                        LogReportsFailing(logger, failures, LogInterval, RepeatedFailures.Describe(exception));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async ValueTask ReportOnceAsync()
    {
        var report = workload.Snapshot();
        var load = await grains.GetGrain<IClusterLoadGrain>(0).Report(report);
        gate.Update(load, report.Accepted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not report this silo's load")]
    private static partial void LogReportFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report this silo's load: {Failures} reports failed since the last such line (at most one per {Interval}); last {Error}")]
    private static partial void LogReportsFailing(ILogger logger, int failures, TimeSpan interval, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "This silo's load reports arrive again ({Failures} more failed)")]
    private static partial void LogReportingAgain(ILogger logger, int failures);
}
