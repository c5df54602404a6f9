using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Silo;

/// <summary>Where this silo listens and which cluster it joins (section "Silo").</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>This silo's index on the machine: silo port SiloPortBase + i, gateway port GatewayPortBase + i. Instance 0 is the primary.</summary>
    [Range(0, 1000)]
    public int Instance { get; set; }

    [Range(1, 65000)]
    public int SiloPortBase { get; set; } = 11111;

    [Range(1, 65000)]
    public int GatewayPortBase { get; set; } = 30000;

    /// <summary>
    /// Redis mode: the IP address this silo gives the cluster for itself. Loopback by default; silos on several
    /// machines set it to this machine's address (and usually <see cref="ListenOnAnyAddress"/>).
    /// </summary>
    [Required]
    [RegularExpression(@"^[0-9a-fA-F.:]+$", ErrorMessage = "Silo:AdvertisedAddress must be an IP address.")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Redis mode: listen on every interface rather than only on the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>From Cluster:ClusterId, shared with the frontend.</summary>
    [Required]
    public string ClusterId { get; set; } = "chat-cluster";

    /// <summary>From Cluster:ServiceId, shared with the frontend.</summary>
    [Required]
    public string ServiceId { get; set; } = "chat";

    /// <summary>Membership: <c>Localhost</c> (instance 0 is the primary) or <c>Redis</c> (from Cluster:Provider).</summary>
    [AllowedValues("Localhost", "Redis")]
    public string ClusterProvider { get; set; } = "Localhost";

    /// <summary>From Redis:ConnectionString.</summary>
    public string RedisConnectionString { get; set; } = "127.0.0.1:6379";

    /// <summary>How long a stopping silo may take, drain included, before the process exits anyway.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

[OptionsValidator]
public sealed partial class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>;
