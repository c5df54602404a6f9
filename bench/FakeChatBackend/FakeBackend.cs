using System.Collections.Concurrent;

namespace FakeChatBackend;

/// <summary>The fake's shared state: behaviour, pending faults, counters and the models asked for.</summary>
internal sealed class FakeBackend(FakeChatBehavior behavior)
{
    public const string DefaultModel = "fake";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _models = new(StringComparer.Ordinal) { [DefaultModel] = DateTimeOffset.UtcNow };
    private volatile FakeChatBehavior _behavior = behavior.Validated();

    public ChatCounters Counters { get; } = new();

    public FaultQueue Faults { get; } = new();

    public TokenLog Tokens { get; } = new();

    public FakeChatBehavior Behavior
    {
        get => _behavior;
        set => _behavior = (value ?? throw new ArgumentNullException(nameof(value))).Validated();
    }

    public IEnumerable<(string Name, DateTimeOffset FirstAsked)> Models =>
        _models.OrderBy(model => model.Key, StringComparer.Ordinal).Select(model => (model.Key, model.Value));

    public void Asked(string model) => _models.TryAdd(model, DateTimeOffset.UtcNow);

    public void Reset()
    {
        Faults.Clear();
        Behavior = FakeChatBehavior.Default;
        Counters.Reset();
        Tokens.Clear();
    }
}
