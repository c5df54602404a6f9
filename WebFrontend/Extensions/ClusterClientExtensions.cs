using Chat.Configuration;
using Orleans.Configuration;
using Orleans.Dashboard;
using WebFrontend.Cluster;

namespace WebFrontend.Extensions;

public static class ClusterClientExtensions
{
    /// <summary>The frontend's Orleans client: through the configured gateways, or those Redis membership lists.</summary>
    public static WebApplicationBuilder AddChatClusterClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        builder.Services.AddSingleton<ClusterCaller>();
        builder.Services.AddSingleton<ResultWatcher>();
        builder.Services.AddSingleton<ConversationWatcher>();
        builder.Services.AddSingleton<ClusterView>();

        // The web server must answer /health while the client is still connecting.
        builder.Services.Configure<HostOptions>(host => host.ServicesStartConcurrently = true);

        var cluster = builder.Configuration.GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        builder.UseOrleansClient(client =>
        {
            if (cluster.Provider == ClusterProvider.Redis)
            {
                var redis = builder.Configuration.GetValidated<RedisOptions, RedisOptionsValidator>(RedisOptions.Section);
                client.UseRedisClustering(redis.ConnectionString);
            }
            else
            {
                client.UseStaticClustering(cluster.GatewayEndpoints());
            }

            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = cluster.ClusterId;
                options.ServiceId = cluster.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds));
            client.UseConnectionRetryFilter<RetryForeverConnectionFilter>();
            client.AddDashboard();
        });
        return builder;
    }
}
