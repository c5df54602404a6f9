using System.Net;
using Chat.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Silo;

public static class SiloHostingExtensions
{
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

        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(host.ShutdownTimeoutSeconds));
        builder.UseOrleans(silo =>
        {
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

            silo.Configure<SiloOptions>(options => options.SiloName = $"silo-{host.Instance}");
            // How fast a dead silo is declared dead (Membership__ProbeTimeout, Membership__NumMissedProbesLimit, ...).
            silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Membership").ValidateOnStart();
            silo.AddChatServices(mode);
        });
        return builder;
    }
}
