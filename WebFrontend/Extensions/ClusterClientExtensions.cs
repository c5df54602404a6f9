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
        builder.AddChatClusterAccess();

        // The web server must answer /health while the client is still connecting.
        builder.Services.Configure<HostOptions>(host => host.ServicesStartConcurrently = true);

        var cluster = builder.Configuration.GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        var redis = cluster.Provider == ClusterProvider.Redis
            ? builder.Configuration.GetValidated<RedisOptions, RedisOptionsValidator>(RedisOptions.Section)
            : null;
        var tls = ClusterTls.Load(builder.Configuration);
        if (redis is not null)
        {
            // The client would otherwise retry a Redis that refuses its password for ever, never saying why.
            RedisStartupCheck.Register(builder.Services, redis.ConnectionString);
        }

        builder.UseOrleansClient(client =>
        {
            if (redis is not null)
            {
                client.UseRedisClustering(redis.ConnectionString);
            }
            else
            {
                client.UseStaticClustering(cluster.GatewayEndpoints());
            }

            if (tls is not null)
            {
                client.UseTls(tls.Configure);
            }

            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = cluster.ClusterId;
                options.ServiceId = cluster.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(cluster.ResponseTimeoutSeconds));
            client.UseConnectionRetryFilter<RetryForeverConnectionFilter>();
            client.AddDashboard();
            if (ChatTraceSampler.IsEnabled(builder.Configuration))
            {
                client.AddActivityPropagation();
            }
        });
        return builder;
    }

    /// <summary>
    /// What the HTTP handlers use to reach the cluster, over whichever <see cref="IClusterClient"/> the host has: the
    /// frontend's own client, or a silo's when the silo serves the frontend itself.
    /// </summary>
    public static WebApplicationBuilder AddChatClusterAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        builder.Services.AddSingleton<ClusterCaller>();
        builder.Services.AddSingleton<ResultWatcher>();
        builder.Services.AddSingleton<ConversationWatcher>();
        builder.Services.AddSingleton<ClusterView>();
        return builder;
    }
}
