using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>
/// TLS for silo-to-silo and client-to-gateway connections (section "Tls"). Off unless <see cref="CertificatePath"/> is
/// set; then every silo and the frontend present their certificate and accept only peers that present a trusted one.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Tls";

    /// <summary>This host's certificate with its private key: a PKCS#12 file (.pfx, .p12) or a PEM file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM only: the private key's file, when it is not in <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The PKCS#12 file's password, or the PEM key's when it is encrypted.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Comma-separated SHA-256 thumbprints (hex) of the certificates peers may present. Unset, and without
    /// <see cref="CaCertificatePath"/>: only this host's own, for a cluster that shares one certificate.
    /// </summary>
    [RegularExpression(@"^\s*([0-9A-Fa-f:]{64,95})(\s*,\s*[0-9A-Fa-f:]{64,95})*\s*$", ErrorMessage = "The field {0} must be SHA-256 thumbprints, 64 hex digits each, comma-separated.")]
    public string? PeerThumbprints { get; set; }

    /// <summary>A CA certificate (PEM or DER); peers are accepted when theirs chains to it. Instead of <see cref="PeerThumbprints"/>.</summary>
    public string? CaCertificatePath { get; set; }
}

[OptionsValidator]
public sealed partial class ClusterTlsOptionsValidator : IValidateOptions<ClusterTlsOptions>;
