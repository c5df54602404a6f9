using System.Net;
using Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Silo;

public static class SiloHostingExtensions
{
    /// <summary>
    /// One silo of a cluster on this machine: localhost clustering on loopback, with the primary at instance 0.
    /// </summary>
    public static IHostApplicationBuilder AddChatSilo(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        // The cluster's identity and membership live in the "Cluster" section, which the frontend reads too.
        options.ClusterId = builder.Configuration["Cluster:ClusterId"] ?? options.ClusterId;
        options.ServiceId = builder.Configuration["Cluster:ServiceId"] ?? options.ServiceId;
        options.ClusterProvider = builder.Configuration["Cluster:Provider"] ?? options.ClusterProvider;
        options.RedisConnectionString = builder.Configuration["Redis:ConnectionString"] ?? options.RedisConnectionString;
        var validation = new SiloHostOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(SiloHostOptions.Section, typeof(SiloHostOptions), validation.Failures);
        }

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.UseOrleans(silo =>
        {
            var (siloPort, gatewayPort) = (options.SiloPortBase + options.Instance, options.GatewayPortBase + options.Instance);
            if (options.ClusterProvider == "Redis")
            {
                // Membership in Redis: any silo may start first or leave; the frontend finds gateways there too.
                silo.UseRedisClustering(options.RedisConnectionString);
                // Loopback unless told otherwise: silos on several machines advertise an address the others reach.
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), siloPort, gatewayPort, listenOnAnyHostAddress: options.ListenOnAnyAddress);
                silo.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = options.ClusterId;
                    cluster.ServiceId = options.ServiceId;
                });
            }
            else
            {
                silo.UseLocalhostClustering(
                    siloPort: siloPort,
                    gatewayPort: gatewayPort,
                    primarySiloEndpoint: new IPEndPoint(System.Net.IPAddress.Loopback, options.SiloPortBase),
                    serviceId: options.ServiceId,
                    clusterId: options.ClusterId);
            }

            silo.Configure<SiloOptions>(silo => silo.SiloName = $"silo-{options.Instance}");
            // How fast a dead silo is declared dead (Membership__ProbeTimeout, Membership__NumMissedProbesLimit, ...).
            silo.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Membership"));
            silo.AddChatProcessing(builder.Configuration);
        });
        return builder;
    }
}
