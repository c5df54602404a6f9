using System.Net;
using System.Net.Sockets;
using Chat.Configuration;
using Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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
            // The instance is the silo's endpoint, as results and GET /cluster name it, so a span or series says which silo.
            .ConfigureResource(resource => resource.AddService("chat-silo", serviceInstanceId: SiloEndpoint(host, mode)))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ChatMetrics.MeterName, "Microsoft.Orleans", "Experimental.Microsoft.Extensions.AI", "System.Net.Http", "System.Runtime");
                if (host.MetricsPortBase > 0)
                {
                    var (address, port) = (ListenAddress(host, mode), host.MetricsPortBase + host.Instance);
                    EnsureFree(address, port);
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Port = port;
                        if (address == "+")
                        {
                            // The exporter builds its prefix with UriBuilder, which takes no wildcard host: so it gets a
                            // host it can parse, and the listener's prefix is then replaced with HttpListener's "every
                            // address" one, on the same port and path.
                            listener.Host = "localhost";
                            listener.ConfigureHttpListener = (_, http) =>
                            {
                                http.Prefixes.Clear();
                                http.Prefixes.Add($"http://+:{port}/metrics/");
                            };
                        }
                        else
                        {
                            listener.Host = address;
                        }
                    });
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>
    /// The exporter's own failure on a port in use says neither which port nor which key sets it, and 9100 is also
    /// Prometheus node_exporter's default: so the port is tried first, for a message that names the key. (Taken in
    /// the moment between, the exporter still stops the silo, with its own message.)
    /// </summary>
    private static void EnsureFree(string address, int port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address == "+" ? IPAddress.IPv6Any : IPAddress.Parse(address.Trim('[', ']')), port));
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new OptionsValidationException(SiloHostOptions.Section, typeof(SiloHostOptions),
            [
                $"{SiloHostOptions.Section}:{nameof(SiloHostOptions.MetricsPortBase)}: the metrics port {port} (the base plus instance) is in use " +
                $"on {address}; choose another base, or 0 to turn the Prometheus endpoint off.",
            ]);
        }
    }

    private static string SiloEndpoint(SiloHostOptions host, SiloMode mode) =>
        new IPEndPoint(IPAddress.Parse(mode.Membership == ClusterProvider.Redis ? host.AdvertisedAddress : "127.0.0.1"), host.SiloPortBase + host.Instance)
            .ToString();

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
