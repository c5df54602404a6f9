using Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Grains.Faults;

/// <summary>
/// Answers a client's call that failed because something the cluster depends on failed with
/// <see cref="TemporarilyUnavailableException"/>: a type every client can load, meaning "retry later", in place of
/// a provider's exception that the client may not even be able to deserialize. Only calls from clients are
/// translated: between silos the original exceptions travel fine, and the grains' own retry rules rely on them.
/// Orleans' messaging exceptions pass too, since clients know them and retry them themselves.
/// </summary>
internal sealed class InfrastructureFailureFilter(TimeProvider clock, ILogger<InfrastructureFailureFilter> logger) : IIncomingGrainCallFilter
{
    private const string HostedClientPrefix = "hosted-";

    /// <summary>What a client is told to wait: long enough for a connection to come back, short enough to notice it has.</summary>
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly FailureLogThrottle _log = new(clock, logger);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (IsExternalClient(context.SourceId) && InfrastructureFailures.Unavailable(exception) is { } unavailable)
        {
            _log.Record(unavailable, $"{context.InterfaceName}.{context.MethodName}", exception);
            throw new TemporarilyUnavailableException(
                $"{unavailable} right now, so the cluster could not complete this request; retry after {RetryAfter.TotalSeconds:0} s.", RetryAfter);
        }
    }

    /// <summary>
    /// A client outside the silos. Code running in a silo outside any grain (the work lanes) calls as that silo's
    /// hosted client, whose id Orleans names "hosted-{silo}"; those callers are silos and keep the original exceptions.
    /// </summary>
    private static bool IsExternalClient(GrainId? source) =>
        source is { } id && GrainTypePrefix.IsClient(id) && !id.Key.ToString().StartsWith(HostedClientPrefix, StringComparison.Ordinal);
}
