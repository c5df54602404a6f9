using System.Text;
using System.Text.RegularExpressions;

namespace Grains.Interfaces;

/// <summary>
/// Input rules shared by the frontend (which answers 400 with them) and the dispatcher
/// (which throws <see cref="ChatValidationException"/>), so both sides agree on what is valid.
/// </summary>
public static partial class ChatRules
{
    public const int MaxIdLength = 64;
    public const int DefaultMaxMessageLength = 16_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Returns null when valid, otherwise a sentence saying what is wrong.</summary>
    public static string? CheckMessage(string? message, int maxLength)
    {
        if (message is null)
        {
            return "The 'message' field is required.";
        }

        if (string.IsNullOrWhiteSpace(message))
        {
            return "The 'message' field must contain text, not only whitespace.";
        }

        if (message.Length > maxLength)
        {
            return $"The 'message' field is {message.Length} characters long; the limit is {maxLength}.";
        }

        // A lone surrogate cannot round-trip through UTF-8, so storing it would change the message.
        try
        {
            StrictUtf8.GetByteCount(message);
        }
        catch (EncoderFallbackException)
        {
            return "The 'message' field contains an invalid UTF-16 sequence (a lone surrogate).";
        }

        return null;
    }

    public static string CheckIdMessage(string? id) =>
        $"The id '{Truncate(id)}' is not valid: use 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '_' or '-'.";

    /// <summary>A random 128-bit id, URL-safe base64 without padding (22 characters).</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Truncate(string? id) => id is null ? "" : id.Length <= 80 ? id : id[..80] + "…";
}
