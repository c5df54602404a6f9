using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FakeChatBackend;

/// <summary>
/// A chat backend without a model: OpenAI's /v1/chat/completions and Ollama's /api/chat with deterministic
/// replies, adjustable pace, injectable failures and counters. Runs standalone (Program) or inside tests.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeBackend _backend;

    private FakeChatServer(WebApplication app, FakeBackend backend)
    {
        _app = app;
        _backend = backend;
    }

    /// <summary>Starts on 127.0.0.1; port 0 takes a free port.</summary>
    public static async Task<FakeChatServer> StartAsync(FakeChatBehavior? behavior = null, int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        var url = $"http://127.0.0.1:{port}";
        var server = Create(["--urls", url], behavior, url, quiet: true);
        try
        {
            await server._app.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>e.g. http://127.0.0.1:PORT/</summary>
    public Uri BaseAddress
    {
        get
        {
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.EndsWith('/') ? address : address + "/");
        }
    }

    /// <summary>The endpoint an OpenAI client takes: BaseAddress + "v1".</summary>
    public Uri OpenAiEndpoint => new(BaseAddress, "v1");

    public FakeChatStats Stats => _backend.Counters.Snapshot();

    public FakeChatBehavior Behavior
    {
        get => _backend.Behavior;
        set => _backend.Behavior = value;
    }

    /// <summary>The requests answered since the last reset, oldest first, with when they came and ended.</summary>
    public IReadOnlyList<FakeChatExchange> Exchanges => _backend.Counters.Exchanges();

    public void ResetStats() => _backend.Counters.Reset();

    /// <summary>Clears pending faults, restores the default behaviour and zeroes the counters.</summary>
    public void Reset() => _backend.Reset();

    /// <summary>The next <paramref name="count"/> chat requests, of either API, fail this way.</summary>
    /// <param name="retryAfter">Sent as Retry-After in whole seconds with rate-limited and unavailable; 1 s when not given.</param>
    public void Inject(FakeFault fault, int count = 1, TimeSpan? retryAfter = null) => _backend.Faults.Add(fault, count, retryAfter);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    internal Task RunAsync() => _app.RunAsync();

    internal static FakeChatServer Create(string[] args, FakeChatBehavior? behavior, string defaultUrl, bool quiet = false)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var urls = builder.Configuration["urls"] ?? defaultUrl;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !(uri.IsLoopback && (uri.Host == "localhost" || IPAddress.TryParse(uri.Host, out _))))
            {
                throw new InvalidOperationException($"--urls must name loopback addresses only (such as http://127.0.0.1:5199); '{url}' is not one.");
            }
        }

        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information);

        // A line per request would drown the start-up lines that say where the fake listens.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ControlJson.Default));
        builder.Services.AddProblemDetails();

        var backend = new FakeBackend(behavior ?? FakeChatBehavior.Default);
        var app = builder.Build();
        app.MapFakeChat(backend);
        return new FakeChatServer(app, backend);
    }
}
