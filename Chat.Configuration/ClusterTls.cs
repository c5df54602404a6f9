using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;

namespace Chat.Configuration;

/// <summary>
/// The certificate this host presents and the rule for the certificates it accepts, loaded and checked once at
/// start-up from <see cref="ClusterTlsOptions"/>; a mistake stops the host with a message naming the key. Both sides
/// of every connection present a certificate (mutual TLS), so a silo or client without one cannot join. Host names
/// are not checked: silos reach each other by IP address, so the certificate itself is what is trusted.
/// </summary>
public sealed class ClusterTls
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly HashSet<string> _thumbprints;
    private readonly X509Certificate2? _authority;

    private ClusterTls(X509Certificate2 certificate, HashSet<string> thumbprints, X509Certificate2? authority)
    {
        Certificate = certificate;
        _thumbprints = thumbprints;
        _authority = authority;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The host's TLS settings, or null when <c>Tls:CertificatePath</c> is unset (TLS off).</summary>
    /// <exception cref="OptionsValidationException">A file cannot be read or does not fit; the message names its key.</exception>
    public static ClusterTls? Load(IConfiguration configuration)
    {
        var options = configuration.GetValidated<ClusterTlsOptions, ClusterTlsOptionsValidator>(ClusterTlsOptions.Section);
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return null;
        }

        var certificate = LoadCertificate(options);
        if (!string.IsNullOrWhiteSpace(options.PeerThumbprints) && !string.IsNullOrWhiteSpace(options.CaCertificatePath))
        {
            throw Invalid(nameof(options.PeerThumbprints), "set either it or Tls:CaCertificatePath, not both");
        }

        var authority = string.IsNullOrWhiteSpace(options.CaCertificatePath) ? null : LoadAuthority(options.CaCertificatePath);
        var thumbprints = authority is not null ? []
            : string.IsNullOrWhiteSpace(options.PeerThumbprints) ? [Thumbprint(certificate)]
            : ParseThumbprints(options.PeerThumbprints);
        return new ClusterTls(certificate, thumbprints, authority);
    }

    /// <summary>Orleans' TLS settings for a silo (all its connections) or a client (its gateway connections).</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => IsTrusted(certificate);
    }

    /// <summary>A peer's certificate is trusted when it is in date and pinned, or chains to the configured CA.</summary>
    public bool IsTrusted(X509Certificate2 certificate)
    {
        if (_authority is null)
        {
            var now = DateTime.Now;
            return certificate.NotBefore <= now && now <= certificate.NotAfter && _thumbprints.Contains(Thumbprint(certificate));
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority);
        // A private CA for one cluster publishes no revocation list.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);

    private static X509Certificate2 LoadCertificate(ClusterTlsOptions options)
    {
        var path = options.CertificatePath!;
        X509Certificate2 certificate;
        try
        {
            var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
            if (Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12")
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            }
            else
            {
                var keyPath = string.IsNullOrWhiteSpace(options.KeyPath) ? path : options.KeyPath;
                using var pem = password is null
                    ? X509Certificate2.CreateFromPemFile(path, keyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
                // A key read from PEM lives only in this object; TLS on some platforms needs it in PKCS#12 form.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Invalid(nameof(options.CertificatePath), $"cannot load the certificate and key in '{path}': {exception.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            throw Invalid(nameof(options.CertificatePath), $"'{path}' holds no private key (a PEM key may be given in Tls:KeyPath)");
        }

        if (DateTime.Now > certificate.NotAfter)
        {
            throw Invalid(nameof(options.CertificatePath), $"the certificate in '{path}' expired on {certificate.NotAfter:u}");
        }

        // Every host is both a server (silo, gateway) and a client (to other silos): a restricted usage must allow both.
        var usage = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !(HasUsage(usage, ServerAuthentication) && HasUsage(usage, ClientAuthentication)))
        {
            throw Invalid(nameof(options.CertificatePath), $"the certificate in '{path}' must allow both server and client authentication (extended key usage)");
        }

        return certificate;
    }

    private static X509Certificate2 LoadAuthority(string path)
    {
        try
        {
            return File.ReadAllText(path).Contains("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(File.ReadAllText(path))
                : X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Invalid(nameof(ClusterTlsOptions.CaCertificatePath), $"cannot load the CA certificate in '{path}': {exception.Message}");
        }
    }

    private static HashSet<string> ParseThumbprints(string text)
    {
        var thumbprints = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(thumbprint => thumbprint.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant())
            .ToHashSet(StringComparer.Ordinal);
        var bad = thumbprints.FirstOrDefault(thumbprint => thumbprint.Length != 64 || !thumbprint.All(char.IsAsciiHexDigit));
        return bad is null && thumbprints.Count > 0
            ? thumbprints
            : throw Invalid(nameof(ClusterTlsOptions.PeerThumbprints), "must be SHA-256 thumbprints, 64 hex digits each, comma-separated");
    }

    private static bool HasUsage(X509EnhancedKeyUsageExtension usage, string oid) =>
        usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(entry => entry.Value == oid);

    private static OptionsValidationException Invalid(string member, string problem) =>
        new(Options.DefaultName, typeof(ClusterTlsOptions), [$"{ClusterTlsOptions.Section}:{member}: {problem}."]);
}
