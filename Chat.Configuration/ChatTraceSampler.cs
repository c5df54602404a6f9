using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Chat.Configuration;

/// <summary>
/// What both hosts trace: every trace an HTTP request or a message starts, and none that a grain call starts on its
/// own. Orleans traces each application grain call, and the background ones (each silo's load report every second,
/// the backend gates' permits, the frontend's cluster view) would otherwise be most of the traces, each a lone call.
/// Such a call is a root span with an RPC name, "IClusterLoadGrain/Report"; a child follows its parent's decision.
/// </summary>
public sealed class ChatTraceSampler : Sampler
{
    private static readonly SamplingResult Sampled = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

    private ChatTraceSampler()
    {
    }

    public static Sampler Instance { get; } = new ParentBasedSampler(new ChatTraceSampler());

    /// <summary>Spans are exported (and so recorded at all) only to an OTLP endpoint, set by the standard variable.</summary>
    public static bool IsEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name.Contains('/', StringComparison.Ordinal) ? Dropped : Sampled;
}
