using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Chat.Configuration;

/// <summary>A comma-separated list of IP endpoints with their ports, such as "127.0.0.1:30000,127.0.0.1:30001".</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EndpointListAttribute : ValidationAttribute
{
    /// <summary>The endpoints of a list this attribute has accepted.</summary>
    public static IPEndPoint[] Parse(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(IPEndPoint.Parse).ToArray();

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text)
        {
            return ValidationResult.Success;
        }

        var entries = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = entries.FirstOrDefault(entry => !IPEndPoint.TryParse(entry, out var endpoint) || endpoint.Port == 0);
        string? problem = entries.Length == 0 ? "is empty"
            : bad is not null ? $"entry '{bad}' is not an IP endpoint such as 127.0.0.1:30000"
            : null;
        return problem is null
            ? ValidationResult.Success
            : new ValidationResult($"The field {validationContext.DisplayName} {problem}.", validationContext.MemberName is { } member ? [member] : null);
    }
}
