using FakeChatBackend;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// One silo and the frontend with two fake backends beside echo, for the page's backend selector and table: a
/// cluster of its own, so the figures the page shows are exactly what its tests sent.
/// </summary>
public sealed class BackendsPageFixture : ChatClusterFixture
{
    public FakeChatServer Alpha { get; private set; } = null!;

    public FakeChatServer Beta { get; private set; } = null!;

    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Backends:alpha:Kind"] = "openai",
        ["Backends:alpha:Endpoint"] = Alpha.OpenAiEndpoint.ToString(),
        ["Backends:alpha:Model"] = "m-alpha",
        ["Backends:alpha:MaxConcurrency"] = "3",
        ["Backends:beta:Kind"] = "ollama",
        ["Backends:beta:Endpoint"] = Beta.BaseAddress.ToString(),
        ["Backends:beta:Model"] = "m-beta",
    };

    protected override async Task BeforeClusterStartsAsync()
    {
        Alpha = await FakeChatServer.StartAsync();
        Beta = await FakeChatServer.StartAsync();
    }

    protected override async Task AfterClusterStopsAsync()
    {
        foreach (var server in new[] { Alpha, Beta }.Where(server => server is not null))
        {
            await server.DisposeAsync();
        }
    }
}
