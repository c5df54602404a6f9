using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LoadGenerator;

/// <summary><c>LoadGenerator stream ...</c>: paces the fake backend, runs the scenario, prints and appends the report.</summary>
public static class StreamCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        StreamOptions options;
        try
        {
            options = StreamOptions.Parse(args);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(exception.Message);
            Console.Error.WriteLine(StreamOptions.Usage);
            return 2;
        }

        using var fake = new HttpClient { BaseAddress = options.FakeBackendUrl, Timeout = TimeSpan.FromSeconds(60) };
        (await fake.PostAsJsonAsync("/fake/behavior", new FakeBehavior(0, 1000 / options.ChunkMs), StreamJson.Default.FakeBehavior)).EnsureSuccessStatusCode();
        (await fake.PostAsync("/fake/stats/reset", null)).EnsureSuccessStatusCode();

        using var http = new HttpClient(new SocketsHttpHandler
        {
            // One connection per watched reply, and the submissions beside them.
            MaxConnectionsPerServer = options.Conversations + 64,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        }) { BaseAddress = options.Url, Timeout = Timeout.InfiniteTimeSpan };

        var cpuBefore = options.Processes.ToDictionary(p => p.Name, p => ProcessCpu.ReadMilliseconds(p.Pid));
        var clock = Stopwatch.StartNew();
        var replies = await new StreamRun(options, http).RunAsync();
        var wall = clock.Elapsed;
        var cpu = options.Processes.ToDictionary(p => p.Name, p => ProcessCpu.ReadMilliseconds(p.Pid) - cpuBefore[p.Name]);

        var log = await fake.GetFromJsonAsync("/fake/tokens", StreamJson.Default.FakeTokenTimesArray) ?? [];
        var sentAt = log.GroupBy(entry => entry.Tag).ToDictionary(group => group.Key, group => group.Last().SentAt);
        var report = StreamReport.From(options, replies, sentAt, cpu, wall);
        Console.WriteLine(report.ToTable());
        var json = JsonSerializer.Serialize(report, BenchJson.Default.StreamReport);
        Console.WriteLine(json);
        if (options.JsonOut is { } file)
        {
            await File.AppendAllTextAsync(file, json + Environment.NewLine);
        }

        var failures = report.Failures();
        foreach (var failure in failures)
        {
            Console.Error.WriteLine($"FAILED {report.Label}: {failure}");
        }

        return failures.Count == 0 ? 0 : 1;
    }

    public static string Summarize(IEnumerable<string> jsonLines) => StreamReport.ToMarkdown(jsonLines
        .Where(line => line.StartsWith('{'))
        .Select(line => JsonSerializer.Deserialize(line, BenchJson.Default.StreamReport)!));
}
