using System.Security.Cryptography;
using System.Text;

namespace Grains.Webhooks;

/// <summary>
/// The <c>X-Signature-256</c> header: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body's bytes, keyed with
/// the secret's UTF-8 bytes, as GitHub signs its webhooks, so receivers can use the checks they already have.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Signature-256";

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
