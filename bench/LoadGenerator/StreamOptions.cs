using System.Globalization;

namespace LoadGenerator;

/// <summary>The stream scenario's command line (see <see cref="Usage"/>).</summary>
public sealed record StreamOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:5000");
    public Uri FakeBackendUrl { get; init; } = new("http://127.0.0.1:5199");
    public string Backend { get; init; } = "fake";
    public string Label { get; init; } = "stream";
    public int Conversations { get; init; } = 1000;
    public int Chunks { get; init; } = 50;
    public double ChunkMs { get; init; } = 20;
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(300);
    public string? JsonOut { get; init; }
    public IReadOnlyList<(string Name, int Pid)> Processes { get; init; } = [];

    public const string Usage = """
        Usage: LoadGenerator stream [options]
          Opens N conversations at once, sends one message to each, and watches every reply stream in over
          Server-Sent Events. The fake backend paces each reply's chunks and logs when it sent each one, so the
          report gives the latency a chunk gains between the backend and the SSE client.
          --url URL             frontend (default http://127.0.0.1:5000)
          --fake-url URL        the fake backend's own address, for its pacing and its token log (default http://127.0.0.1:5199)
          --backend NAME        the backend name the cluster knows the fake by (default fake)
          --label NAME          name of the run in the report
          --conversations N     conversations at once (default 1000)
          --chunks N            chunks per reply (default 50)
          --chunk-ms MS         time between chunks (default 20)
          --drain SECONDS       how long to wait for every reply to end (default 300)
          --json-out FILE       also append the JSON line to FILE
          --process NAME=PID    count this process's CPU time (repeatable)
        """;

    public static StreamOptions Parse(string[] args)
    {
        var options = new StreamOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--url" => options with { Url = new Uri(Next()) },
                "--fake-url" => options with { FakeBackendUrl = new Uri(Next()) },
                "--backend" => options with { Backend = Next() },
                "--label" => options with { Label = Next() },
                "--conversations" => options with { Conversations = (int)Number() },
                "--chunks" => options with { Chunks = (int)Number() },
                "--chunk-ms" => options with { ChunkMs = Number() },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(Number()) },
                "--json-out" => options with { JsonOut = Next() },
                "--process" => options with { Processes = [.. options.Processes, ProcessArgument.Parse(Next())] },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        // The fake's reply is "<model> says: <message>": the model name and "says:" are two of the chunks.
        if (options.Conversations < 1 || options.Chunks < 3 || options.ChunkMs <= 0)
        {
            throw new ArgumentException("--conversations must be positive, --chunks 3 or more, --chunk-ms positive.");
        }

        return options;
    }
}
