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

    // \z, not $: $ also matches before a final newline, which let "id\n" through to storage and into Location.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Returns null when valid, otherwise a sentence saying what is wrong.</summary>
    public static string? CheckMessage(string? message, int maxLength)
    {
        if (message is null)
        {
            return "The 'message' field is required.";
        }

        if (!HasVisibleText(message))
        {
            return "The 'message' field must contain visible text, not only whitespace or invisible characters.";
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

    /// <summary>
    /// True when some character would show: not whitespace, a control or format character (zero-width space and
    /// joiners, word joiner, BOM, bidi marks, tags), nor one of the other default-ignorable code points Unicode
    /// says to render as nothing (variation selectors, Hangul fillers, ...). Emoji and ZWJ sequences have visible parts.
    /// </summary>
    public static bool HasVisibleText(string message)
    {
        foreach (var rune in message.EnumerateRunes())
        {
            if (!IsInvisible(rune))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInvisible(Rune rune) =>
        Rune.IsWhiteSpace(rune)
        || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        || rune.Value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F) or 0x3164 or 0xFFA0
            or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0000 and <= 0xE0FFF);

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
