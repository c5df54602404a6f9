using Chat.Configuration;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Silo;

/// <summary>Where this silo listens (section "Silo"). The cluster it joins is the shared "Cluster" section.</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>This silo's index on the machine: silo port SiloPortBase + i, gateway port GatewayPortBase + i. Instance 0 is the primary.</summary>
    [Range(0, 1000)]
    public int Instance { get; set; }

    [Range(1, 65000)]
    public int SiloPortBase { get; set; } = 11111;

    [Range(1, 65000)]
    public int GatewayPortBase { get; set; } = ClusterConnectionOptions.DefaultGatewayPortBase;

    /// <summary>
    /// The Prometheus scrape endpoint is http://address:(MetricsPortBase + i)/metrics, on the same address as the silo's
    /// other ports. 0 turns it off (OTLP, when OTEL_EXPORTER_OTLP_ENDPOINT is set, works either way).
    /// </summary>
    [Range(0, 65000)]
    public int MetricsPortBase { get; set; } = 9100;

    /// <summary>
    /// Redis mode: the IP address this silo gives the cluster for itself. Loopback by default; silos on several
    /// machines set it to this machine's address (and usually <see cref="ListenOnAnyAddress"/>).
    /// </summary>
    [Required]
    [RegularExpression(@"^[0-9a-fA-F.:]+$", ErrorMessage = "The field {0} must be an IP address.")]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Redis mode: listen on every interface rather than only on the advertised address.</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// This silo also serves the web frontend (page and API) on the address ASP.NET Core is given (--urls,
    /// ASPNETCORE_URLS; 127.0.0.1:5000 by default): no frontend process, no gateway hop, and calls to grains on this
    /// silo made without serialization. Its settings are the frontend's (Auth, Chat, ...).
    /// </summary>
    public bool ServeWebFrontend { get; set; }

    /// <summary>How long a stopping silo may take, drain included, before the process exits anyway.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

[OptionsValidator]
public sealed partial class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>;
