using Grains.Lifecycle;
using Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grains.Results;

/// <summary>Tells a result grain whether the attempt it records as running will ever report.</summary>
public sealed class AttemptLiveness(IClusterMembershipService membership, IOptions<ProcessingOptions> processing, IOptions<StreamingOptions> streaming)
{
    /// <summary>
    /// Abandoned: its silo is gone from the cluster, or it has outlived the processing timeout by a whole lease,
    /// which a live attempt cannot (its processor is cancelled at the timeout).
    /// </summary>
    public bool IsAbandoned(MessageState state, DateTimeOffset now)
    {
        if (state.Holder is { SiloAddress.Length: > 0 } holder
            && membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(holder.SiloAddress)) is SiloStatus.Dead or SiloStatus.None)
        {
            return true;
        }

        var limit = TimeSpan.FromSeconds(processing.Value.TimeoutSeconds + streaming.Value.LeaseSeconds);
        return LifecyclePolicy.Outlived(state.StartedAt, now, limit);
    }
}
