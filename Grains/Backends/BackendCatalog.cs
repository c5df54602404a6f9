using Chat.Configuration;
using Grains.Interfaces;
using Grains.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Grains.Backends;

/// <summary>
/// The backends this cluster sends messages to, read once from configuration and checked as a whole: each entry,
/// the default, and the fallback chains. The built-in <c>echo</c> always exists. Names match case-insensitively.
/// </summary>
public sealed class BackendCatalog
{
    private static readonly string[] Kinds = ["echo", "openai", "ollama"];
    private readonly Dictionary<string, BackendDefinition> _byName;

    private BackendCatalog(IReadOnlyList<BackendDefinition> backends, string defaultBackend)
    {
        All = backends;
        _byName = backends.ToDictionary(backend => backend.Name, StringComparer.OrdinalIgnoreCase);
        Default = _byName[defaultBackend];
    }

    /// <summary>Every backend, in name order.</summary>
    public IReadOnlyList<BackendDefinition> All { get; }

    public BackendDefinition Default { get; }

    public IReadOnlyList<string> Names => All.Select(backend => backend.Name).ToArray();

    /// <summary>Each backend with a fallback, to the fallback's name: what the message lifecycle needs.</summary>
    public IReadOnlyDictionary<string, string> Fallbacks =>
        All.Where(backend => backend.Fallback is not null)
            .ToDictionary(backend => backend.Name, backend => backend.Fallback!, StringComparer.OrdinalIgnoreCase);

    /// <summary>The backend a message asked for (null: the default), or null when there is none by that name.</summary>
    public BackendDefinition? Find(string? name) => name is null ? Default : _byName.GetValueOrDefault(name);

    public BackendDefinition Get(string name) =>
        Find(name) ?? throw new UnknownBackendException(name, Names);

    /// <summary>Reads and checks the "Backends" section, with the "Chat" and "Processing" settings it depends on.</summary>
    /// <exception cref="OptionsValidationException">Something is wrong; each failure starts with the key to fix.</exception>
    /// <exception cref="InvalidOperationException">A value does not convert to its type; the message names its key.</exception>
    public static BackendCatalog Load(IConfiguration configuration)
    {
        var chat = configuration.GetValidated<ChatOptions, ChatOptionsValidator>(ChatOptions.Section);
        var processing = configuration.GetValidated<ProcessingOptions, ProcessingOptionsValidator>(ProcessingOptions.Section);
        var failures = new List<string>();
        var configured = new Dictionary<string, BackendOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetSection(BackendOptions.Section).GetChildren())
        {
            // A value of the wrong type throws here, with a message that quotes its key.
            var options = new BackendOptions();
            section.Bind(options);
            configured[section.Key] = options;
        }

        configured.TryAdd(BackendNames.Echo, new BackendOptions { Kind = "echo" });
        var backends = configured
            .Select(entry => Check(entry.Key, entry.Value, processing, failures))
            .Where(backend => backend is not null)
            .Select(backend => backend!)
            .OrderBy(backend => backend.Name, StringComparer.OrdinalIgnoreCase)
            .ToArray();

        if (!configured.ContainsKey(chat.DefaultBackend))
        {
            failures.Add($"{ChatOptions.Section}:{nameof(ChatOptions.DefaultBackend)}: there is no backend named '{chat.DefaultBackend}'. Known backends: {string.Join(", ", configured.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
        }

        CheckFallbacks(configured, failures);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(BackendOptions.Section, typeof(BackendOptions), failures);
        }

        // Fallbacks and the default as configured may differ in case from the names; store the names' spelling.
        var canonical = backends.ToDictionary(backend => backend.Name, backend => backend.Name, StringComparer.OrdinalIgnoreCase);
        return new BackendCatalog(
            backends.Select(backend => backend with { Fallback = backend.Fallback is null ? null : canonical[backend.Fallback] }).ToArray(),
            canonical[chat.DefaultBackend]);
    }

    private static BackendDefinition? Check(string name, BackendOptions options, ProcessingOptions processing, List<string> failures)
    {
        var key = $"{BackendOptions.Section}:{name}";
        var before = failures.Count;
        if (!BackendNames.IsValid(name))
        {
            failures.Add($"{key}: '{name}' is not a valid backend name: use {BackendNames.Rule}.");
        }

        var kind = options.Kind?.Trim().ToLowerInvariant();
        if (kind is null || !Kinds.Contains(kind))
        {
            failures.Add($"{key}:Kind: {(kind is null ? "is required" : $"'{options.Kind}' is not a kind")}; use one of {string.Join(", ", Kinds)}.");
        }
        else if (string.Equals(name, BackendNames.Echo, StringComparison.OrdinalIgnoreCase) && kind != "echo")
        {
            failures.Add($"{key}:Kind: the built-in '{BackendNames.Echo}' backend is always of kind echo; give the other backend another name.");
        }

        Uri? endpoint = null;
        if (kind is "openai" or "ollama")
        {
            if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                failures.Add($"{key}:Endpoint: {(string.IsNullOrWhiteSpace(options.Endpoint) ? "is required" : $"'{options.Endpoint}' is not an absolute http or https URL")} for kind {kind}, e.g. {(kind == "openai" ? "http://127.0.0.1:11434/v1" : "http://127.0.0.1:11434")}.");
            }

            if (string.IsNullOrWhiteSpace(options.Model))
            {
                failures.Add($"{key}:Model: is required for kind {kind}: the model name the backend serves.");
            }
        }

        CheckNotNegative(key, nameof(BackendOptions.MaxConcurrency), options.MaxConcurrency, failures);
        CheckNotNegative(key, nameof(BackendOptions.RequestsPerMinute), options.RequestsPerMinute, failures);
        CheckNotNegative(key, nameof(BackendOptions.TokensPerMinute), options.TokensPerMinute, failures);
        if (options.TimeoutSeconds is < 1 or > 86_400)
        {
            failures.Add($"{key}:TimeoutSeconds: {options.TimeoutSeconds} is outside 1-86400.");
        }

        if (failures.Count > before)
        {
            return null;
        }

        return new BackendDefinition(
            name,
            kind switch { "openai" => BackendKind.OpenAi, "ollama" => BackendKind.Ollama, _ => BackendKind.Echo },
            endpoint,
            string.IsNullOrWhiteSpace(options.Model) ? null : options.Model.Trim(),
            string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey,
            options.MaxConcurrency,
            options.RequestsPerMinute,
            options.TokensPerMinute,
            TimeSpan.FromSeconds(options.TimeoutSeconds ?? processing.TimeoutSeconds),
            string.IsNullOrWhiteSpace(options.Fallback) ? null : options.Fallback.Trim());
    }

    private static void CheckNotNegative(string key, string member, int value, List<string> failures)
    {
        if (value < 0)
        {
            failures.Add($"{key}:{member}: {value} is negative; use 0 for none.");
        }
    }

    /// <summary>Each fallback names another backend, and following them never comes back to where it started.</summary>
    private static void CheckFallbacks(Dictionary<string, BackendOptions> configured, List<string> failures)
    {
        foreach (var (name, options) in configured)
        {
            var fallback = string.IsNullOrWhiteSpace(options.Fallback) ? null : options.Fallback.Trim();
            if (fallback is null)
            {
                continue;
            }

            if (!configured.ContainsKey(fallback))
            {
                failures.Add($"{BackendOptions.Section}:{name}:Fallback: there is no backend named '{fallback}'. Known backends: {string.Join(", ", configured.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
                continue;
            }

            var chain = new List<string> { name };
            for (var next = fallback; next is not null; next = string.IsNullOrWhiteSpace(configured.GetValueOrDefault(next)?.Fallback) ? null : configured[next].Fallback!.Trim())
            {
                if (chain.Contains(next, StringComparer.OrdinalIgnoreCase))
                {
                    failures.Add($"{BackendOptions.Section}:{name}:Fallback: the fallbacks go round in a circle: {string.Join(" -> ", chain)} -> {next}.");
                    break;
                }

                chain.Add(next);
            }
        }
    }
}
