using Chat.Configuration;
using Grains.Interfaces;
using Grains.Options;
using Grains.Work;
using Microsoft.Extensions.Options;

namespace Grains.Load;

/// <summary>
/// Decides on this silo whether the cluster can take another message. Uses the cluster backlog from the
/// latest load report plus what this silo accepted since, so the limit can be overshot by at most what
/// other silos accept within one report interval.
/// </summary>
public sealed class BacklogGate(SiloWorkload workload, IOptions<ChatOptions> options)
{
    private ClusterLoad? _load;
    private long _acceptedAtReport;

    public void Update(ClusterLoad load, long acceptedAtReport)
    {
        Volatile.Write(ref _acceptedAtReport, acceptedAtReport);
        Volatile.Write(ref _load, load);
    }

    public bool IsFull(out TimeSpan retryAfter)
    {
        var load = Volatile.Read(ref _load);
        var backlog = (load?.Backlog ?? 0) + workload.Accepted - Volatile.Read(ref _acceptedAtReport);
        if (backlog < options.Value.MaxBacklog)
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        // Ask the client to come back when about a tenth of the backlog has drained, within sane bounds.
        var rate = load?.CompletedPerSecond ?? 0;
        var seconds = rate > 0 ? backlog / 10.0 / rate : 1;
        retryAfter = TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(seconds), 1, 30));
        return true;
    }
}
