namespace Grains.Backends;

public enum BackendKind
{
    Echo,
    OpenAi,
    Ollama,

    /// <summary>Named by work still in the stream, but no longer configured: its messages fail with a clear error.</summary>
    Unconfigured,
}

/// <summary>A backend as the cluster runs it: configuration checked, names resolved, defaults applied.</summary>
public sealed record BackendDefinition(
    string Name,
    BackendKind Kind,
    Uri? Endpoint,
    string? Model,
    string? ApiKey,
    int MaxConcurrency,
    int RequestsPerMinute,
    int TokensPerMinute,
    TimeSpan Timeout,
    string? Fallback)
{
    /// <summary>
    /// Whether each request waits for its gate's permit. Every backend over HTTP does, cap or not, so that one that
    /// asks the cluster to wait (429) is held off by every silo from that moment; two grain calls are nothing next to
    /// a model's answer. The built-in echo answers in microseconds and never asks to wait, so it does only when capped.
    /// </summary>
    public bool IsMetered => Kind != BackendKind.Echo || MaxConcurrency > 0 || RequestsPerMinute > 0 || TokensPerMinute > 0;

    public string KindName => Kind switch
    {
        BackendKind.Echo => "echo",
        BackendKind.OpenAi => "openai",
        BackendKind.Ollama => "ollama",
        BackendKind.Unconfigured => "unconfigured",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
    };

    public static BackendDefinition Unconfigured(string name) =>
        new(name, BackendKind.Unconfigured, null, null, null, 0, 0, 0, TimeSpan.FromSeconds(1), null);

    // The key must never reach a log or an answer, and records print every member.
    public override string ToString() => $"{Name} ({KindName}{(Model is null ? "" : ", " + Model)})";
}
