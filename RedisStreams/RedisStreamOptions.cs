using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedisStreams;

/// <summary>How an Orleans stream provider keeps its queues in Redis Streams.</summary>
public sealed class RedisStreamOptions
{
    /// <summary>StackExchange.Redis connection string. No default: the application says which Redis it uses.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Prefix of every queue's key; the service id and provider name follow, so deployments and providers
    /// sharing one Redis never read each other's queues.
    /// </summary>
    [Required]
    public string KeyPrefix { get; set; } = "orleans-streams";

    /// <summary>The consumer group all silos read through; each silo is one consumer of it.</summary>
    [Required]
    public string ConsumerGroup { get; set; } = "silos";

    /// <summary>Most entries one poll of a queue reads.</summary>
    [Range(1, 100_000)]
    public int ReadCount { get; set; } = 256;

    /// <summary>
    /// True: an entry is acknowledged (and deleted) once the pulling agent has delivered it to every consumer.
    /// False: consumers acknowledge through <see cref="IRedisStreamAcknowledger"/> when they are done with it,
    /// which is what makes work survive the death of the silo that was holding it.
    /// </summary>
    public bool AcknowledgeOnDelivery { get; set; } = true;

    /// <summary>
    /// The visibility timeout: an entry delivered but not acknowledged for this long is claimed from its
    /// consumer (dead or not) and delivered again by whichever silo now reads its queue.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each queue's receiver sweeps its pending entries for ones past the visibility timeout.</summary>
    public TimeSpan ClaimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a receiver whose queue came back empty reads it anyway. Every publish also sends a wake-up over
    /// Redis pub/sub that makes the queue's receiver read at its next poll, so this bounds only how long an entry
    /// can wait if a wake-up is lost; it is what keeps an idle cluster from polling Redis hundreds of times a second.
    /// </summary>
    public TimeSpan IdleReadInterval { get; set; } = TimeSpan.FromSeconds(1);
}

[OptionsValidator]
public sealed partial class RedisStreamOptionsValidator : IValidateOptions<RedisStreamOptions>;
