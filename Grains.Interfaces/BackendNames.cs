using System.Text.RegularExpressions;

namespace Grains.Interfaces;

/// <summary>How backends are named: in configuration (<c>Backends__&lt;name&gt;__…</c>), in requests and in results.</summary>
public static partial class BackendNames
{
    /// <summary>The built-in backend, which always exists and answers with the message itself.</summary>
    public const string Echo = "echo";

    public const int MaxLength = 64;

    // Names become part of stream and grain keys, so no separators or spaces.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public static string Rule => $"1 to {MaxLength} characters of A-Z, a-z, 0-9, '_' or '.', starting with a letter or digit";
}
