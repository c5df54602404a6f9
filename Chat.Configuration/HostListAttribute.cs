using System.ComponentModel.DataAnnotations;

namespace Chat.Configuration;

/// <summary>A comma-separated list of host names and IP addresses, such as "hooks.internal,10.0.0.5".</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HostListAttribute : ValidationAttribute
{
    /// <summary>The entries of a list, without blanks or a trailing dot, lower-cased as DNS compares them.</summary>
    public static IEnumerable<string> Parse(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Trim('[', ']').TrimEnd('.').ToLowerInvariant());

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var bad = Parse(value as string).FirstOrDefault(entry => Uri.CheckHostName(entry) == UriHostNameType.Unknown);
        return bad is null
            ? ValidationResult.Success
            : new ValidationResult(
                $"The field {validationContext.DisplayName} has '{bad}', which is neither a host name nor an IP address.",
                validationContext.MemberName is { } member ? [member] : null);
    }
}
