using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using WebFrontend.Cluster;

namespace WebFrontend.Extensions;

public static class ClusterClientExtensions
{
    /// <summary>The frontend's Orleans client, connected through the configured gateways.</summary>
    public static WebApplicationBuilder AddChatClusterClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClusterClientOptions>().BindConfiguration(ClusterClientOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterClientOptions>, ClusterClientOptionsValidator>();
        builder.Services.AddSingleton<ClusterCaller>();
        builder.Services.AddSingleton<ResultWatcher>();
        builder.Services.AddSingleton<ClusterView>();

        // The web server must answer /health while the client is still connecting.
        builder.Services.Configure<HostOptions>(host => host.ServicesStartConcurrently = true);

        var options = builder.Configuration.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>() ?? new ClusterClientOptions();
        builder.UseOrleansClient(client =>
        {
            if (options.Provider == "Redis")
            {
                client.UseRedisClustering(builder.Configuration["Redis:ConnectionString"] ?? "127.0.0.1:6379");
            }
            else
            {
                client.UseStaticClustering(ParseGateways(options.Gateways));
            }

            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(options.ResponseTimeoutSeconds));
            client.UseConnectionRetryFilter<RetryForeverConnectionFilter>();
            client.AddDashboard();
        });
        return builder;
    }

    private static IPEndPoint[] ParseGateways(string gateways)
    {
        var endpoints = gateways.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0
                ? endpoint
                : throw new OptionsValidationException(ClusterClientOptions.Section, typeof(ClusterClientOptions),
                    [$"Cluster:Gateways entry '{text}' is not an IP endpoint such as 127.0.0.1:30000."]))
            .ToArray();
        return endpoints.Length > 0
            ? endpoints
            : throw new OptionsValidationException(ClusterClientOptions.Section, typeof(ClusterClientOptions), ["Cluster:Gateways is empty."]);
    }
}
