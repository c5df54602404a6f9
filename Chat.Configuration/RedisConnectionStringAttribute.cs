using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Chat.Configuration;

/// <summary>
/// A StackExchange.Redis connection string with at least one endpoint. The failure never quotes the value: it may hold
/// a password.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RedisConnectionStringAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text || text.Length == 0)
        {
            return ValidationResult.Success;  // [Required] speaks for an empty one.
        }

        string? problem;
        try
        {
            problem = ConfigurationOptions.Parse(text).EndPoints.Count == 0 ? "names no host:port" : null;
        }
        catch (ArgumentException exception)
        {
            // StackExchange.Redis names the keyword it does not know, never the values.
            problem = $"is not a StackExchange.Redis connection string ({exception.Message})";
        }

        return problem is null
            ? ValidationResult.Success
            : new ValidationResult($"The field {validationContext.DisplayName} {problem}.", validationContext.MemberName is { } member ? [member] : null);
    }
}
