using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>The Redis a durable-mode cluster keeps its membership, grain state and work stream in (section "Redis").</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// StackExchange.Redis connection string, e.g. "redis.example:6380,password=...,ssl=true". Every user of Redis in
    /// the cluster (membership, grain state, the work stream, the frontend's probe) parses this whole string.
    /// </summary>
    [Required]
    [RedisConnectionString]
    public string ConnectionString { get; set; } = "127.0.0.1:6379";
}

[OptionsValidator]
public sealed partial class RedisOptionsValidator : IValidateOptions<RedisOptions>;
