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
    private readonly CancellationTokenSource _stop = new();
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
                }
                catch (Exception exception)
                {
                    // Early in start-up the cluster may not route calls yet; the next tick tries again.
                    LogReportFailed(logger, exception);
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
}
