using Chat.Configuration;
using Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace Silo;

public static class SiloTracingExtensions
{
    /// <summary>
    /// The silo's spans, pushed over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (with the other standard
    /// OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables): the application's grain calls (Orleans carries the trace
    /// context in each call), the messages' own spans (<see cref="ChatTracing"/>), the GenAI span of each backend call
    /// and its HTTP request; not the grain calls no request or message made (<see cref="ChatTraceSampler"/>). Without
    /// the endpoint nothing listens, and grain calls carry no trace context. Returns whether tracing is on, so the
    /// silo builder adds Orleans' activity propagation.
    /// </summary>
    public static bool AddChatSiloTracing(this IHostApplicationBuilder builder)
    {
        if (!ChatTraceSampler.IsEnabled(builder.Configuration))
        {
            return false;
        }

        // The resource (service name and instance) is the one the metrics set up.
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(ChatTracing.SourceName, ActivitySources.ApplicationGrainActivitySourceName, "Experimental.Microsoft.Extensions.AI")
            .AddHttpClientInstrumentation()
            .SetSampler(ChatTraceSampler.Instance)
            .AddOtlpExporter());
        return true;
    }
}
