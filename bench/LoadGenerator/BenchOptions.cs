using System.Globalization;

namespace LoadGenerator;

public enum Observe
{
    Poll,
    Sse,
}

/// <summary>What to run, from the command line (see <see cref="Usage"/>).</summary>
public sealed record BenchOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:5000");
    public string Label { get; init; } = "run";
    public int? Messages { get; init; }
    public TimeSpan? Duration { get; init; }
    public int Concurrency { get; init; } = 64;
    public double? Rate { get; init; }
    public int MaxInFlight { get; init; } = 20_000;
    public Observe Observe { get; init; } = Observe.Poll;
    public TimeSpan WarmUp { get; init; } = TimeSpan.Zero;
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(120);
    public string? JsonOut { get; init; }
    public bool Strict { get; init; }
    public IReadOnlyList<(string Name, int Pid)> Processes { get; init; } = [];

    public const string Usage = """
        Usage: LoadGenerator [options]
               LoadGenerator summarize RESULTS.jsonl   (markdown table of the runs' medians)
          --url URL             frontend (default http://127.0.0.1:5000)
          --label NAME          name of the run in the report
          --messages N          messages to measure (closed or open loop)
          --duration SECONDS    or: keep submitting this long
          --concurrency C       closed loop: C clients, each submit -> observe -> next (default 64)
          --rate R              open loop: R messages/s on schedule, latency from each one's intended start
          --max-in-flight N     open loop: messages outstanding at most (default 20000)
          --observe poll|sse    how each result is watched (default poll)
          --warm-up SECONDS     run unmeasured first, to get past JIT and thread-pool ramp-up
          --drain SECONDS       after the last submit, wait this long for outstanding results (default 120)
          --json-out FILE       also append the JSON line to FILE
          --strict              fail unless every message is accepted and completes right on its first attempt
                                (a correctness smoke; without it only lost or wrong replies, or nothing
                                accepted at all, fail the run)
          --process NAME=PID    report this process's peak memory (repeatable)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var processes = new List<(string, int)>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--url" => options with { Url = new Uri(Next()) },
                "--label" => options with { Label = Next() },
                "--messages" => options with { Messages = (int)Number() },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Number()) },
                "--concurrency" => options with { Concurrency = (int)Number() },
                "--rate" => options with { Rate = Number() },
                "--max-in-flight" => options with { MaxInFlight = (int)Number() },
                "--observe" => options with { Observe = Enum.Parse<Observe>(Next(), ignoreCase: true) },
                "--warm-up" => options with { WarmUp = TimeSpan.FromSeconds(Number()) },
                "--drain" => options with { Drain = TimeSpan.FromSeconds(Number()) },
                "--json-out" => options with { JsonOut = Next() },
                "--strict" => options with { Strict = true },
                "--process" => AddProcess(options, Next(), processes),
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        if (options.Messages is null && options.Duration is null)
        {
            throw new ArgumentException("Give --messages or --duration.");
        }

        if (options.Concurrency < 1 || options.Rate <= 0 || options.MaxInFlight < 1)
        {
            throw new ArgumentException("--concurrency, --rate and --max-in-flight must be positive.");
        }

        return options with { Processes = processes };
    }

    private static BenchOptions AddProcess(BenchOptions options, string value, List<(string, int)> processes)
    {
        processes.Add(ProcessArgument.Parse(value));
        return options;
    }
}

/// <summary>A <c>--process NAME=PID</c> argument.</summary>
public static class ProcessArgument
{
    public static (string Name, int Pid) Parse(string value)
    {
        var parts = value.Split('=', 2);
        if (parts.Length != 2 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid))
        {
            throw new ArgumentException($"--process wants NAME=PID, not '{value}'.");
        }

        return (parts[0], pid);
    }
}
