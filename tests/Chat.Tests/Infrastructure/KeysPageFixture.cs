using System.Net.Http.Headers;
using FakeChatBackend;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// One silo and the frontend with API keys on (a tenant, alice, and an admin, ops) and a paced fake backend that is
/// the cluster's default instead of echo, so the page's key handling, its streams and its default choice show.
/// </summary>
public sealed class KeysPageFixture : ChatClusterFixture
{
    public const string Alice = "alice-page-secret-0123456789";
    public const string Ops = "ops-page-secret-0123456789";

    public FakeChatServer Paced { get; private set; } = null!;

    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Auth:Keys:alice"] = Alice,
        ["Auth:Keys:ops"] = Ops,
        ["Auth:AdminKeys"] = "ops",
        ["Chat:DefaultBackend"] = "paced",
        ["Backends:paced:Kind"] = "openai",
        ["Backends:paced:Endpoint"] = Paced.OpenAiEndpoint.ToString(),
        ["Backends:paced:Model"] = "m-paced",
    };

    /// <summary>A client that sends <paramref name="secret"/> as its bearer key. The caller disposes it.</summary>
    public HttpClient As(string secret) => new()
    {
        BaseAddress = Http.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", secret) },
    };

    protected override async Task BeforeClusterStartsAsync() => Paced = await FakeChatServer.StartAsync();

    protected override async Task AfterClusterStopsAsync()
    {
        if (Paced is not null)
        {
            await Paced.DisposeAsync();
        }
    }
}
