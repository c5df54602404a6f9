using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>
/// Where grain state lives (section "Storage"): <c>Memory</c> (embedded, volatile) or <c>Redis</c>.
/// Unset, it follows <c>Cluster:Provider</c>, so one setting switches the whole cluster to Redis.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    [Required]
    [AllowedValues("Memory", "Redis")]
    public string Provider { get; set; } = "Memory";

    /// <summary>StackExchange.Redis connection string, from <c>Redis:ConnectionString</c>.</summary>
    [Required]
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379";

    public static StorageOptions From(IConfiguration configuration) => new()
    {
        Provider = configuration[$"{Section}:Provider"] ?? (configuration["Cluster:Provider"] == "Redis" ? "Redis" : "Memory"),
        RedisConnectionString = configuration["Redis:ConnectionString"] ?? "127.0.0.1:6379",
    };
}

[OptionsValidator]
public sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
