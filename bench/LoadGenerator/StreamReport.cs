using System.Globalization;
using System.Text;

namespace LoadGenerator;

/// <summary>A process's CPU time (user + system, all threads) from /proc, in milliseconds.</summary>
public static class ProcessCpu
{
    private static readonly double MillisecondsPerTick = 1000.0 / 100;  // USER_HZ is 100 on Linux.

    public static double ReadMilliseconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may hold spaces; the fields after it are fixed (utime and stime are the 12th and 13th).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) * MillisecondsPerTick;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>What the stream scenario measured; the table and the JSON line are both made from this.</summary>
public sealed record StreamReport(
    string Label,
    int Conversations,
    int Completed,
    int NotCompleted,
    int Wrong,
    long Chunks,
    long Timed,
    long Lost,
    long Duplicated,
    long OutOfOrder,
    int WatchedLate,
    double ChunksPerSecond,
    Percentiles AddedLatency,
    double CpuMicrosecondsPerChunk,
    IReadOnlyDictionary<string, double> CpuSeconds,
    double WallSeconds,
    IReadOnlyList<string> Errors)
{
    public static StreamReport From(
        StreamOptions options, IReadOnlyList<StreamedReply> replies, IReadOnlyDictionary<string, long[]> sentAt,
        IReadOnlyDictionary<string, double> cpuMilliseconds, TimeSpan wall)
    {
        long chunks = 0, timed = 0, lost = 0, duplicated = 0, outOfOrder = 0;
        var wrong = 0;
        var latencies = new List<double>();
        long first = long.MaxValue, last = long.MinValue;
        foreach (var reply in replies.Where(r => r.Status == "completed" && r.Result is not null))
        {
            var expected = StreamRun.Chunks(reply.Result!);
            chunks += expected.Count;
            if (!reply.Result!.EndsWith(" says: " + StreamRun.MessageFor(reply.Tag, options.Chunks), StringComparison.Ordinal))
            {
                wrong++;
            }

            // Deltas in the order they came; a seq seen before is a duplicate, one below the highest so far came out of order.
            var seen = new HashSet<long>();
            var highest = 0L;
            var text = new StringBuilder();
            var reachedAt = new List<(int Length, long At)>();
            foreach (var (seq, at, piece) in reply.Arrivals)
            {
                if (!seen.Add(seq))
                {
                    duplicated++;
                    continue;
                }

                if (seq < highest)
                {
                    outOfOrder++;
                }

                highest = Math.Max(highest, seq);
                text.Append(piece);
                reachedAt.Add((text.Length, at));
                first = Math.Min(first, at);
                last = Math.Max(last, at);
            }

            // A chunk is delivered once the text so far holds it, unchanged, at its place.
            var joined = text.ToString();
            var end = 0;
            var delivered = 0;
            sentAt.TryGetValue(reply.Tag, out var sent);
            for (var k = 0; k < expected.Count; k++)
            {
                end += expected[k].Length;
                if (joined.Length < end || string.CompareOrdinal(joined, end - expected[k].Length, expected[k], 0, expected[k].Length) != 0)
                {
                    break;
                }

                delivered++;
                if (sent is not null && sent.Length == expected.Count)
                {
                    var arrived = reachedAt.First(point => point.Length >= end).At;
                    latencies.Add((arrived - sent[k]) / 1000.0);
                    timed++;
                }
            }

            lost += expected.Count - delivered;
        }

        var totalCpu = cpuMilliseconds.Values.Sum();
        return new StreamReport(
            options.Label,
            options.Conversations,
            replies.Count(r => r.Status == "completed"),
            replies.Count(r => r.Status != "completed"),
            wrong,
            chunks,
            timed,
            lost,
            duplicated,
            outOfOrder,
            replies.Count(r => r.WatchedLate),
            last > first ? chunks / ((last - first) / 1e6) : double.NaN,
            Percentiles.Of(latencies),
            chunks == 0 ? double.NaN : totalCpu * 1000 / chunks,
            cpuMilliseconds.ToDictionary(p => p.Key, p => Math.Round(p.Value / 1000, 2)),
            Math.Round(wall.TotalSeconds, 2),
            [.. replies.Where(r => r.Error is not null).Select(r => r.Error!).Distinct().Take(5)]);
    }

    /// <summary>Every chunk must arrive once, in order, and be timed; every conversation must complete right.</summary>
    public IReadOnlyList<string> Failures()
    {
        var failures = new List<string>();
        if (NotCompleted > 0 || Wrong > 0)
        {
            failures.Add($"{NotCompleted} of {Conversations} replies did not complete and {Wrong} were wrong ({string.Join("; ", Errors)})");
        }

        if (Lost > 0 || Duplicated > 0 || OutOfOrder > 0)
        {
            failures.Add($"{Lost} chunks lost, {Duplicated} duplicated, {OutOfOrder} out of order");
        }

        if (Timed != Chunks - Lost)
        {
            failures.Add($"only {Timed} of {Chunks - Lost} delivered chunks could be matched with the fake backend's send times");
        }

        return failures;
    }

    public string ToTable()
    {
        var text = new StringBuilder();
        void Row(string name, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-22} {value}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{Label} ({Conversations} conversations streaming at once)");
        Row("replies", $"{Completed} completed, {NotCompleted} not, {Wrong} wrong");
        Row("chunks", $"{Chunks} sent, {Lost} lost, {Duplicated} duplicated, {OutOfOrder} out of order");
        Row("watched late", $"{WatchedLate} replies had ended before their watcher's first event");
        Row("delivered", string.Create(CultureInfo.InvariantCulture, $"{ChunksPerSecond:0} chunks/s over {WallSeconds:0.0} s"));
        Row("added latency", AddedLatency.ToString());
        Row("CPU per chunk", string.Create(CultureInfo.InvariantCulture, $"{CpuMicrosecondsPerChunk:0} µs ({string.Join(", ", CpuSeconds.Select(p => $"{p.Key} {p.Value:0.00} s"))})"));
        return text.ToString();
    }

    /// <summary>The markdown table of a session's stream runs, one row per label, the median by p99.</summary>
    public static string ToMarkdown(IEnumerable<StreamReport> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("| Shape | Conversations | Runs | Chunks/s | Added latency p50 / p99 ms (median run; runs' p99) | Lost / duplicated / out of order | CPU µs per chunk |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in runs.GroupBy(r => r.Label))
        {
            var rows = group.OrderBy(r => r.AddedLatency.P99).ToArray();
            var median = rows[rows.Length / 2];
            string F(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {median.Conversations} | {rows.Length} | {F(median.ChunksPerSecond)} " +
                $"| {F(median.AddedLatency.P50, "0.0")} / **{F(median.AddedLatency.P99, "0.0")}** ({string.Join(", ", rows.Select(r => F(r.AddedLatency.P99, "0.0")))}) " +
                $"| {group.Sum(r => r.Lost)} / {group.Sum(r => r.Duplicated)} / {group.Sum(r => r.OutOfOrder)} | {F(median.CpuMicrosecondsPerChunk)} |"));
        }

        return text.ToString();
    }
}
