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
    /// <remarks>
    /// In a silo, the silo's metrics are there too (its messages' counters included), under the silo's service name,
    /// and go out over OTLP through the silo's exporter: only the HTTP server's meters and /metrics are added here.
    /// </remarks>
    public static WebApplicationBuilder AddChatMetrics(this WebApplicationBuilder builder, FrontendHosting hosting)
    {
        var ownProcess = hosting == FrontendHosting.OwnProcess;
        var otlp = ownProcess && !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry();
        if (ownProcess)
        {
            telemetry.ConfigureResource(resource => resource.AddService("chat-frontend"));
        }

        telemetry.WithMetrics(metrics =>
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
