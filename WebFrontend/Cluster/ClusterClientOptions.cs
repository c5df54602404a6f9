using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace WebFrontend.Cluster;

/// <summary>How the frontend reaches the cluster (section "Cluster").</summary>
public sealed class ClusterClientOptions
{
    public const string Section = "Cluster";

    /// <summary><c>Localhost</c>: connect through <see cref="Gateways"/>; <c>Redis</c>: find gateways in Redis membership.</summary>
    [AllowedValues("Localhost", "Redis")]
    public string Provider { get; set; } = "Localhost";

    /// <summary>Comma-separated gateway endpoints, e.g. "127.0.0.1:30000,127.0.0.1:30001".</summary>
    [Required]
    public string Gateways { get; set; } = "127.0.0.1:30000,127.0.0.1:30001,127.0.0.1:30002";

    [Required]
    public string ClusterId { get; set; } = "chat-cluster";

    [Required]
    public string ServiceId { get; set; } = "chat";

    /// <summary>How long one request keeps retrying a cluster call that failed because a silo or gateway is unreachable.</summary>
    [Range(0, 600)]
    public int RetryWindowSeconds { get; set; } = 15;

    /// <summary>How long one grain call may take before it counts as failed.</summary>
    [Range(1, 600)]
    public int ResponseTimeoutSeconds { get; set; } = 10;
}

[OptionsValidator]
public sealed partial class ClusterClientOptionsValidator : IValidateOptions<ClusterClientOptions>;
