using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>
/// The one way options are bound: from their configuration section, checked by their source-generated validator,
/// with failures named by configuration key ("Silo:SiloPortBase: ..."), since the key is what an operator sets.
/// </summary>
public static class ValidatedOptions
{
    /// <summary>Options the running host resolves, validated when it starts.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : IValidateOptions<TOptions>, new()
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section, new TValidator()));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// A value needed while the host is still being built (ports, mode, limits), bound and validated exactly as
    /// <see cref="AddValidatedOptions{TOptions, TValidator}"/> binds it for the running host.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value is out of range; the message names its key.</exception>
    /// <exception cref="InvalidOperationException">A value does not convert to its type; the message names its key.</exception>
    public static TOptions GetValidated<TOptions, TValidator>(this IConfiguration configuration, string section)
        where TOptions : class, new()
        where TValidator : IValidateOptions<TOptions>, new()
    {
        var options = new TOptions();
        configuration.GetSection(section).Bind(options);
        var result = new SectionValidator<TOptions>(section, new TValidator()).Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures) : options;
    }

    private sealed class SectionValidator<TOptions>(string section, IValidateOptions<TOptions> generated) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            // A generated failure reads "Member: message"; with the section in front, it starts with the key.
            var result = generated.Validate(name, options);
            return result.Failed ? ValidateOptionsResult.Fail(result.Failures.Select(failure => $"{section}:{failure}")) : result;
        }
    }
}
