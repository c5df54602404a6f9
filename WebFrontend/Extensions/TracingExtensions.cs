using Chat.Configuration;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace WebFrontend.Extensions;

public static class TracingExtensions
{
    /// <summary>
    /// The frontend's spans, pushed over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (with the other standard
    /// OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables): each HTTP request, and the grain calls it makes, whose trace
    /// context Orleans carries to the silos; pushes from the cluster to the frontend's watchers are spans of the
    /// trace that caused them. Scrapes and probes are left out, as are grain calls no request made
    /// (<see cref="ChatTraceSampler"/>): they would be most of the traces and say nothing.
    /// </summary>
    /// <remarks>In a silo, only the HTTP requests are added here: the silo's tracing has the rest, and the exporter.</remarks>
    public static WebApplicationBuilder AddChatTracing(this WebApplicationBuilder builder, FrontendHosting hosting)
    {
        if (!ChatTraceSampler.IsEnabled(builder.Configuration))
        {
            return builder;
        }

        // The resource (service name) is the one the metrics set up.
        builder.Services.AddOpenTelemetry().WithTracing(tracing =>
        {
            tracing.AddAspNetCoreInstrumentation(options => options.Filter = context =>
                !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health"));
            if (hosting == FrontendHosting.OwnProcess)
            {
                tracing.AddSource(ActivitySources.ApplicationGrainActivitySourceName).SetSampler(ChatTraceSampler.Instance).AddOtlpExporter();
            }
        });
        return builder;
    }
}
