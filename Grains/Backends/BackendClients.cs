using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OllamaSharp;
using OpenAI;

namespace Grains.Backends;

/// <summary>
/// One <see cref="IChatClient"/> per backend, made on first use and kept: <c>echo</c> is the silo's built-in processor,
/// <c>openai</c> the official OpenAI client, <c>ollama</c> OllamaSharp, each composed with <see cref="ChatClientBuilder"/>
/// over an HTTP stack of its own. The clients' own retries are off: the message lifecycle decides about retries.
/// </summary>
public sealed class BackendClients(IServiceProvider services) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _clients = new(StringComparer.OrdinalIgnoreCase);

    public IChatClient Get(BackendDefinition backend) =>
        _clients.GetOrAdd(backend.Name, _ => new Lazy<IChatClient>(() => Create(backend))).Value;

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(client => client.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }

    private IChatClient Create(BackendDefinition backend)
    {
        var inner = backend.Kind switch
        {
            // Not disposed here: the container owns it.
            BackendKind.Echo => new NonDisposingChatClient(services.GetRequiredService<IChatClient>()),
            BackendKind.OpenAi => OpenAi(backend),
            BackendKind.Ollama => Ollama(backend),
            BackendKind.Unconfigured => throw new InvalidOperationException(
                $"No backend named '{backend.Name}' is configured any more (Backends:{backend.Name}:Kind)."),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend.Kind, null),
        };
        // The GenAI semantic conventions' metrics (token usage, call duration) on Microsoft.Extensions.AI's meter.
        return new ChatClientBuilder(inner).UseOpenTelemetry().Build(services);
    }

    private static IChatClient OpenAi(BackendDefinition backend)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = backend.Endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // The attempt's own limit cancels the request; this only must not come first.
            NetworkTimeout = backend.Timeout + TimeSpan.FromSeconds(30),
            Transport = new HttpClientPipelineTransport(Http()),
        };
        // Servers without keys (Ollama, vLLM, llama.cpp) ignore the header; the client insists on one.
        return new OpenAIClient(new ApiKeyCredential(backend.ApiKey ?? "none"), options).GetChatClient(backend.Model).AsIChatClient();
    }

    private static IChatClient Ollama(BackendDefinition backend)
    {
        var http = Http();
        http.BaseAddress = backend.Endpoint;
        if (backend.ApiKey is { } key)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return new OllamaApiClient(http, backend.Model!);
    }

    private static HttpClient Http() => new(new BackendBusyHandler(new BackendErrorPayloadHandler(new SocketsHttpHandler
    {
        // DNS changes are noticed; idle connections do not pile up.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })))
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private sealed class NonDisposingChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        protected override void Dispose(bool disposing)
        {
        }
    }
}
