using System.Net;
using Chat.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Polly.Telemetry;

namespace Silo;

public static class SiloHostingExtensions
{
    // Orleans' OrleansRuntimeResiliencePolicies.PlacementResiliencePipelineKey, which is internal.
    private const string PlacementPipeline = "Orleans.Placement";

    private const string MessagingCategory = "Orleans.Messaging";

    /// <summary>
    /// One silo of the cluster: its endpoints and clustering (localhost with the primary at instance 0, or Redis
    /// membership), then everything <see cref="ChatSiloServices.AddChatServices"/> registers for the chosen mode.
    /// </summary>
    public static IHostApplicationBuilder AddChatSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var host = configuration.GetValidated<SiloHostOptions, SiloHostOptionsValidator>(SiloHostOptions.Section);
        var cluster = configuration.GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        var mode = SiloMode.From(configuration);
        var tls = ClusterTls.Load(configuration);

        // Orleans' messaging logs every message it cannot deliver, with a stack trace: while a silo is dead but not yet
        // declared dead, that is every call routed to it, megabytes a second under load. The caller gets the failure
        // and handles it (the frontend retries or answers 503, an attempt retries and logs a count per interval), so
        // only critical ones are logged unless Logging__LogLevel__Orleans.Messaging says otherwise.
        if (configuration[$"Logging:LogLevel:{MessagingCategory}"] is null)
        {
            builder.Logging.AddFilter(MessagingCategory, LogLevel.Critical);
        }

        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(host.ShutdownTimeoutSeconds));
        builder.AddChatSiloMetrics(host, mode);
        if (mode.UsesRedis)
        {
            RedisStartupCheck.Register(builder.Services, mode.RedisConnectionString);
        }

        var tracing = builder.AddChatSiloTracing();
        builder.UseOrleans(silo =>
        {
            if (tracing)
            {
                silo.AddActivityPropagation();
            }

            var (siloPort, gatewayPort) = (host.SiloPortBase + host.Instance, host.GatewayPortBase + host.Instance);
            if (mode.Membership == ClusterProvider.Redis)
            {
                // Membership in Redis: any silo may start first or leave; the frontend finds gateways there too.
                silo.UseRedisClustering(mode.RedisConnectionString);
                // Loopback unless told otherwise: silos on several machines advertise an address the others reach.
                silo.ConfigureEndpoints(IPAddress.Parse(host.AdvertisedAddress), siloPort, gatewayPort, listenOnAnyHostAddress: host.ListenOnAnyAddress);
                silo.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = cluster.ClusterId;
                    options.ServiceId = cluster.ServiceId;
                });
            }
            else
            {
                silo.UseLocalhostClustering(
                    siloPort: siloPort,
                    gatewayPort: gatewayPort,
                    primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, host.SiloPortBase),
                    serviceId: cluster.ServiceId,
                    clusterId: cluster.ClusterId);
            }

            if (tls is not null)
            {
                // Every connection, to other silos and from clients to this gateway, both ways authenticated.
                silo.UseTls(tls.Configure);
            }

            silo.Configure<SiloOptions>(options => options.SiloName = $"silo-{host.Instance}");
            // How fast a dead silo is declared dead (Membership__ProbeTimeout, Membership__NumMissedProbesLimit, ...).
            // A death needs two votes while the table counts at least three live silos, so a lone survivor can only
            // declare the others dead once their heartbeats in the table have gone stale: by Orleans' defaults
            // 3 × 30 s, during which their work, their grain directory ranges and /health stay with the dead. A
            // heartbeat every 5 s makes that 15 s, the same as the probes' 3 × 5 s, for one small write per silo
            // every 5 s. Split brain is still ruled out by the table: a silo cut off from the others but still
            // writing its heartbeat is not stale, so it still takes two votes.
            silo.Services.AddOptions<ClusterMembershipOptions>()
                .Configure(options => options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5))
                .BindConfiguration("Membership")
                .ValidateOnStart();
            // While a dead silo is not yet declared dead, Orleans' placement pipeline logs every retry of every call
            // routed to it, with a stack trace (hundreds of MiB a minute under load); a call that fails in the end is
            // still logged once, by Orleans' messaging.
            silo.Services.Configure<TelemetryOptions>(options => options.SeverityProvider = arguments =>
                arguments.Source.PipelineName == PlacementPipeline
                    ? ResilienceEventSeverity.Debug
                    : arguments.Event.Severity);
            silo.AddChatServices(mode);
        });
        return builder;
    }
}
