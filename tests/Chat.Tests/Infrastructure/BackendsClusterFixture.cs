using FakeChatBackend;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Three silos whose backends are fake OpenAI-compatible and Ollama servers on loopback, one server per backend so
/// that a test's injected faults and counters concern its backend alone.
/// </summary>
public sealed class BackendsClusterFixture : ChatClusterFixture
{
    public const int Cap = 4;
    public const int MaxAttempts = 2;

    public FakeChatServer Capped { get; private set; } = null!;

    public FakeChatServer Busy { get; private set; } = null!;

    public FakeChatServer Flaky { get; private set; } = null!;

    public FakeChatServer Spare { get; private set; } = null!;

    public FakeChatServer Stalled { get; private set; } = null!;

    public FakeChatServer Budget { get; private set; } = null!;

    public IEnumerable<FakeChatServer> Servers => [Capped, Busy, Flaky, Spare, Stalled, Budget];

    // A test leaves a call to the stalled backend running (a 10-minute answer).
    protected override bool StopGracefully => false;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:MaxAttempts"] = MaxAttempts.ToString(),
        ["Processing:RetryBaseDelayMs"] = "100",
        ["Processing:RetryMaxDelayMs"] = "200",
        ["Processing:MaxRateLimitedRetries"] = "2",
        ["Backends:capped:Kind"] = "openai",
        ["Backends:capped:Endpoint"] = Capped.OpenAiEndpoint.ToString(),
        ["Backends:capped:Model"] = "m-capped",
        ["Backends:capped:ApiKey"] = "sk-capped-secret",
        ["Backends:capped:MaxConcurrency"] = Cap.ToString(),
        ["Backends:busy:Kind"] = "openai",
        ["Backends:busy:Endpoint"] = Busy.OpenAiEndpoint.ToString(),
        ["Backends:busy:Model"] = "m-busy",
        ["Backends:busy:MaxConcurrency"] = "2",
        ["Backends:flaky:Kind"] = "openai",
        ["Backends:flaky:Endpoint"] = Flaky.OpenAiEndpoint.ToString(),
        ["Backends:flaky:Model"] = "m-flaky",
        ["Backends:flaky:TimeoutSeconds"] = "2",
        ["Backends:flaky:Fallback"] = "spare",
        ["Backends:spare:Kind"] = "ollama",
        ["Backends:spare:Endpoint"] = Spare.BaseAddress.ToString(),
        ["Backends:spare:Model"] = "m-spare",
        ["Backends:spare:TimeoutSeconds"] = "2",
        ["Backends:stalled:Kind"] = "openai",
        ["Backends:stalled:Endpoint"] = Stalled.OpenAiEndpoint.ToString(),
        ["Backends:stalled:Model"] = "m-stalled",
        ["Backends:budget:Kind"] = "openai",
        ["Backends:budget:Endpoint"] = Budget.OpenAiEndpoint.ToString(),
        ["Backends:budget:Model"] = "m-budget",
        ["Backends:budget:RequestsPerMinute"] = "5",
    };

    protected override async Task BeforeClusterStartsAsync()
    {
        Capped = await FakeChatServer.StartAsync();
        Busy = await FakeChatServer.StartAsync();
        Flaky = await FakeChatServer.StartAsync();
        Spare = await FakeChatServer.StartAsync();
        Stalled = await FakeChatServer.StartAsync();
        Budget = await FakeChatServer.StartAsync();
    }

    protected override async Task AfterClusterStopsAsync()
    {
        foreach (var server in Servers.Where(server => server is not null))
        {
            await server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BackendsClusterCollection : ICollectionFixture<BackendsClusterFixture>
{
    public const string Name = "three-silo cluster with fake backends";
}
