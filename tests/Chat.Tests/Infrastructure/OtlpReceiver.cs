using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Stands in for an OpenTelemetry collector's OTLP/HTTP port on loopback: keeps every export it receives and answers
/// 200. Protobuf carries names and string attributes as plain UTF-8, so an export is searched for them as bytes;
/// trace exports are also decoded into their spans (<see cref="OtlpSpans"/>).
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _exports = new();
    private readonly Task _receiving;

    public OtlpReceiver()
    {
        Endpoint = new Uri($"http://127.0.0.1:{FreePorts.Any()}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _receiving = ReceiveAsync();
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT is set to (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).</summary>
    public Uri Endpoint { get; }

    /// <summary>Whether an export to <paramref name="path"/> (e.g. /v1/metrics) contained every one of <paramref name="texts"/>.</summary>
    public bool Received(string path, params string[] texts) =>
        _exports.Any(export => export.Path == path && texts.All(text => export.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0));

    /// <summary>Every span received so far, from every process.</summary>
    public IReadOnlyList<OtlpSpan> Spans() =>
        _exports.Where(export => export.Path == "/v1/traces").SelectMany(export => OtlpSpans.Read(export.Body)).ToList();

    public void Dispose()
    {
        _listener.Close();
        _ = _receiving.Exception;
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;  // Closed.
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _exports.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
