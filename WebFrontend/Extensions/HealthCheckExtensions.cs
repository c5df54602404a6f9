using Chat.Configuration;
using WebFrontend.Health;

namespace WebFrontend.Extensions;

public static class HealthCheckExtensions
{
    /// <summary>Checks tagged <see cref="Ready"/> decide GET /health/ready; those tagged <see cref="Live"/>, /health/live.</summary>
    public const string Ready = "ready";

    public const string Live = "live";

    /// <summary>How long one check may take before it counts as failed: a probe must answer before the orchestrator's own timeout.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Ready: the cluster answers and, in durable mode, Redis does. Live has no checks: answering is the proof.</summary>
    public static WebApplicationBuilder AddChatHealthChecks(this WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: [Ready], timeout: CheckTimeout);
        var cluster = builder.Configuration.GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        if (cluster.Provider == ClusterProvider.Redis)
        {
            builder.Services.AddValidatedOptions<RedisOptions, RedisOptionsValidator>(RedisOptions.Section);
            builder.Services.AddSingleton<RedisProbeConnection>();
            checks.AddRedis(services => services.GetRequiredService<RedisProbeConnection>().Connection, "redis", tags: [Ready], timeout: CheckTimeout);
        }

        return builder;
    }
}
