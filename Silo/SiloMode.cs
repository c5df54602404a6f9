using Chat.Configuration;
using Microsoft.Extensions.Configuration;

namespace Silo;

/// <summary>
/// What a silo keeps where, decided once from configuration: membership (<c>Cluster:Provider</c>), and grain state
/// together with the work stream (<c>Storage:Provider</c>, following membership when unset), each in the silos'
/// memory or in the Redis at <c>Redis:ConnectionString</c>. The work stream goes with the state so that a durable
/// result always has a durable queue behind it.
/// </summary>
public sealed record SiloMode(ClusterProvider Membership, StorageProvider Storage, string RedisConnectionString)
{
    /// <summary>Whether anything of this silo's lives in Redis, so that Redis must be reachable with the right password.</summary>
    public bool UsesRedis => Membership == ClusterProvider.Redis || Storage == StorageProvider.Redis;

    public static SiloMode From(IConfiguration configuration)
    {
        var cluster = configuration.GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        var storage = configuration.GetValidated<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        var redis = configuration.GetValidated<RedisOptions, RedisOptionsValidator>(RedisOptions.Section);
        var followsMembership = cluster.Provider == ClusterProvider.Redis ? StorageProvider.Redis : StorageProvider.Memory;
        return new SiloMode(cluster.Provider, storage.Provider ?? followsMembership, redis.ConnectionString);
    }
}
