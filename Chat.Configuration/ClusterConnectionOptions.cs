using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>Which cluster a host joins and how (section "Cluster"); the silos and the frontend read the same keys.</summary>
public sealed class ClusterConnectionOptions
{
    public const string Section = "Cluster";

    [EnumDataType(typeof(ClusterProvider))]
    public ClusterProvider Provider { get; set; } = ClusterProvider.Localhost;

    [Required]
    public string ClusterId { get; set; } = "chat-cluster";

    [Required]
    public string ServiceId { get; set; } = "chat";

    /// <summary>A silo's first gateway port (Silo:GatewayPortBase) when none is configured; instance i listens on it + i.</summary>
    public const int DefaultGatewayPortBase = 30000;

    /// <summary>
    /// Frontend, Localhost mode: the gateways it connects through, e.g. "127.0.0.1:30000,127.0.0.1:30001". By default
    /// those of the three silos ./run starts on the default ports.
    /// </summary>
    [Required]
    [EndpointList]
    public string Gateways { get; set; } = string.Join(',', Enumerable.Range(DefaultGatewayPortBase, 3).Select(port => $"127.0.0.1:{port}"));

    /// <summary>Frontend: how long one request keeps retrying a cluster call that failed because a silo or gateway is unreachable.</summary>
    [Range(0, 600)]
    public int RetryWindowSeconds { get; set; } = 15;

    /// <summary>Frontend: how long one grain call may take before it counts as failed.</summary>
    [Range(1, 600)]
    public int ResponseTimeoutSeconds { get; set; } = 10;

    public IPEndPoint[] GatewayEndpoints() => EndpointListAttribute.Parse(Gateways);
}

[OptionsValidator]
public sealed partial class ClusterConnectionOptionsValidator : IValidateOptions<ClusterConnectionOptions>;
