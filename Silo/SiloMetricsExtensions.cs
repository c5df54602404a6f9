using System.Net;
using System.Net.Sockets;
using Chat.Configuration;
using Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Silo;

public static class SiloMetricsExtensions
{
    /// <summary>
    /// The silo's metrics through OpenTelemetry: the messages' own (<see cref="ChatMetrics"/>), Orleans' runtime,
    /// the backends' token usage and HTTP calls, and .NET's. Scraped by Prometheus at
    /// http://address:(Silo:MetricsPortBase + instance)/metrics unless that is 0, and pushed over OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (with the other standard OTEL_EXPORTER_OTLP_* variables).
    /// </summary>
    public static IHostApplicationBuilder AddChatSiloMetrics(this IHostApplicationBuilder builder, SiloHostOptions host, SiloMode mode)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("chat-silo"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ChatMetrics.MeterName, "Microsoft.Orleans", "Experimental.Microsoft.Extensions.AI", "System.Net.Http", "System.Runtime");
                if (host.MetricsPortBase > 0)
                {
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = ListenAddress(host, mode);
                        listener.Port = host.MetricsPortBase + host.Instance;
                    });
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>Where the silo's other ports listen: loopback in embedded mode; the advertised address, or every one, with Redis.</summary>
    private static string ListenAddress(SiloHostOptions host, SiloMode mode)
    {
        if (mode.Membership != ClusterProvider.Redis)
        {
            return "127.0.0.1";
        }

        if (host.ListenOnAnyAddress)
        {
            return "+";
        }

        var address = IPAddress.Parse(host.AdvertisedAddress);
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }
}
