using Grains.Lifecycle;
using Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grains.Results;

/// <summary>Tells a result grain whether the attempt it records as running will ever report.</summary>
public sealed class AttemptLiveness(IClusterMembershipService membership, IOptions<ProcessingOptions> processing, IOptions<StreamingOptions> streaming)
{
    /// <summary>
    /// Abandoned: its silo is dead, or unknown to this silo's view of the cluster for longer than a lease (a silo
    /// that has only just joined is unknown for a moment too); or it has outlived the processing timeout by a whole
    /// lease, which a live attempt cannot (its processor is cancelled at the timeout).
    /// </summary>
    public bool IsAbandoned(MessageState state, DateTimeOffset now)
    {
        var lease = TimeSpan.FromSeconds(streaming.Value.LeaseSeconds);
        var silo = state.Holder is { SiloAddress.Length: > 0 } holder
            ? membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(holder.SiloAddress))
            : SiloStatus.None;
        return silo == SiloStatus.Dead
            || (silo == SiloStatus.None && LifecyclePolicy.Outlived(state.StartedAt, now, lease))
            || LifecyclePolicy.Outlived(state.StartedAt, now, TimeSpan.FromSeconds(processing.Value.TimeoutSeconds) + lease);
    }
}
