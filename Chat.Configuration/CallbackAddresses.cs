using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>
/// Where a message's <c>callbackUrl</c> may point: public addresses, and the loopback, private or link-local ones only
/// when <see cref="WebhooksOptions.AllowedHosts"/> names the host or the address. The frontend checks a URL when it is
/// submitted; the silo checks the addresses again when it connects, since a name may resolve elsewhere by then.
/// </summary>
public sealed class CallbackAddresses(IOptions<WebhooksOptions> options)
{
    public const int MaxUrlLength = 2048;

    private readonly HashSet<string> _allowed = HostListAttribute.Parse(options.Value.AllowedHosts).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>An absolute http or https URL with a host and no user information (which would be sent as credentials).</summary>
    public static bool IsHttpUrl(string? text, out Uri uri)
    {
        uri = null!;
        return Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            && parsed.Scheme is "http" or "https"
            && parsed.IdnHost.Length > 0
            && parsed.UserInfo.Length == 0
            && (uri = parsed) is not null;
    }

    /// <summary>Why the URL may not be a callback, or null when it may.</summary>
    public async Task<string?> CheckAsync(string url, CancellationToken cancellationToken)
    {
        if (url.Length > MaxUrlLength || !IsHttpUrl(url, out var uri))
        {
            return $"The callbackUrl must be an absolute http or https URL of at most {MaxUrlLength} characters, without user information.";
        }

        var host = HostOf(uri);
        if (IsAllowedName(host))
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return $"The callbackUrl's host '{host}' cannot be resolved.";
        }

        return addresses.FirstOrDefault(address => !IsAllowedAddress(address)) is { } refused
            ? $"The callbackUrl's host '{host}' is a loopback, private or link-local address ({refused}), which callbacks may not reach unless Webhooks:AllowedHosts names it."
            : null;
    }

    /// <summary>
    /// The addresses a delivery to <paramref name="host"/> may connect to now: all of them for a host the operator
    /// allowed, otherwise the public ones. Empty when the name resolves only to refused addresses.
    /// </summary>
    public async Task<IPAddress[]> AddressesToConnectAsync(string host, CancellationToken cancellationToken)
    {
        host = host.Trim('[', ']').TrimEnd('.');
        var addresses = await ResolveAsync(host, cancellationToken);
        return IsAllowedName(host) ? addresses : addresses.Where(IsAllowedAddress).ToArray();
    }

    /// <summary>Whether an address is one anybody on the internet could reach: not loopback, private, link-local, shared or reserved.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && (b[1] & 0xC0) == 64) // 100.64.0.0/10, carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] & 0xFE) == 18));
        }

        var bytes = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last four bytes.
        if (bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
        }

        return !(address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal
            || address.IsIPv6Multicast);
    }

    private bool IsAllowedName(string host) => _allowed.Contains(host);

    private bool IsAllowedAddress(IPAddress address) =>
        IsPublic(address) || _allowed.Contains(address.ToString()) || (address.IsIPv4MappedToIPv6 && _allowed.Contains(address.MapToIPv4().ToString()));

    private static string HostOf(Uri uri) => uri.IdnHost.Trim('[', ']').TrimEnd('.');

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
}
