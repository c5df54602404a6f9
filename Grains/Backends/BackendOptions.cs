namespace Grains.Backends;

/// <summary>
/// One backend as configured (section "Backends:&lt;name&gt;", e.g. <c>Backends__fast__Model</c>). Checked as a whole,
/// with the other backends it names, by <see cref="BackendCatalog"/>.
/// </summary>
public sealed class BackendOptions
{
    public const string Section = "Backends";

    /// <summary><c>echo</c> (built in), <c>openai</c> (any OpenAI-compatible /v1/chat/completions) or <c>ollama</c> (Ollama's native API).</summary>
    public string? Kind { get; set; }

    /// <summary>Base URL; for <c>openai</c> it includes /v1, e.g. http://127.0.0.1:11434/v1.</summary>
    public string? Endpoint { get; set; }

    public string? Model { get; set; }

    /// <summary>Sent as the bearer token; never logged, never returned by any endpoint.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Requests in flight to this backend across the whole cluster; 0 = no cap.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>Cluster-wide requests per minute; 0 = no budget.</summary>
    public int RequestsPerMinute { get; set; }

    /// <summary>Cluster-wide tokens (prompt and reply) per minute; 0 = no budget.</summary>
    public int TokensPerMinute { get; set; }

    /// <summary>One attempt's time limit; unset = Processing:TimeoutSeconds.</summary>
    public int? TimeoutSeconds { get; set; }

    /// <summary>Another backend's name, which gets the message once this one has failed every attempt.</summary>
    public string? Fallback { get; set; }
}
