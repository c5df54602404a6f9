using OpenTelemetry.Metrics;
using WebFrontend.Auth;
using OpenTelemetry.Resources;

namespace WebFrontend.Extensions;

public static class MetricsExtensions
{
    /// <summary>
    /// The frontend's metrics through OpenTelemetry: its HTTP server, its Orleans client and .NET's. Scraped by
    /// Prometheus at GET /metrics, and pushed over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (with the other
    /// standard OTEL_EXPORTER_OTLP_* variables). The messages' own counters are the silos', which process them.
    /// </summary>
    public static WebApplicationBuilder AddChatMetrics(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chat-frontend"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(
                    "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans", "System.Net.Http", "System.Runtime");
                metrics.AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>
    /// GET /metrics in Prometheus' text format: for the scraper, so not part of the API's OpenAPI document. With keys
    /// on, an admin key's (Prometheus sends it as a bearer token): the figures are every tenant's.
    /// </summary>
    public static WebApplication MapChatMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint().ExcludeFromDescription().RequireAuthorization(AuthPolicies.Admin);
        return app;
    }
}
