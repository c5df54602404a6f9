using System.Globalization;
using System.Net;
using System.Text;

namespace LoadGenerator;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Percentiles(double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.90), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {P50:0.0}  p90 {P90:0.0}  p99 {P99:0.0}  max {Max:0.0} ms");
}

/// <summary>A process's resident memory: now and its peak (VmHWM), from /proc.</summary>
public sealed record ProcessMemory(string Name, int Pid, double PeakMiB, double CurrentMiB)
{
    public static ProcessMemory Read(string name, int pid)
    {
        double Field(string key) => File.ReadLines($"/proc/{pid}/status")
            .Where(line => line.StartsWith(key + ":", StringComparison.Ordinal))
            .Select(line => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024)
            .DefaultIfEmpty(double.NaN)
            .First();
        try
        {
            return new ProcessMemory(name, pid, Field("VmHWM"), Field("VmRSS"));
        }
        catch (IOException)
        {
            return new ProcessMemory(name, pid, double.NaN, double.NaN);
        }
    }
}

/// <summary>Everything one run measured: the human table and the JSON line are both made from this.</summary>
public sealed record BenchReport(
    string Label,
    string Mode,
    string Observe,
    int Submitted,
    int Accepted,
    int Rejected503,
    int OtherErrors,
    int Completed,
    int Lost,
    int Wrong,
    int Duplicated,
    double SubmitPerSecond,
    double EndToEndPerSecond,
    Percentiles SubmitLatency,
    Percentiles EndToEndLatency,
    double PollsPerMessage,
    IReadOnlyDictionary<string, double> SiloShare,
    IReadOnlyList<ProcessMemory> Memory,
    double CpuMicrosecondsPerMessage,
    IReadOnlyDictionary<string, double> CpuSeconds)
{
    /// <param name="cpuMilliseconds">Each watched process's CPU time (user + system) over the measured phase.</param>
    public static BenchReport From(BenchOptions options, PhaseResult phase, IReadOnlyDictionary<string, double> cpuMilliseconds)
    {
        var all = phase.Messages;
        var accepted = all.Where(m => m.Status is HttpStatusCode.Accepted or HttpStatusCode.OK).ToArray();
        var ended = accepted.Where(m => m.Result is { HasEnded: true }).ToArray();
        var right = ended.Where(m => m.Result!.Status == "completed" && m.Result.Result == m.Message).ToArray();
        var mode = options.Rate is { } rate
            ? string.Create(CultureInfo.InvariantCulture, $"open loop {rate:0}/s")
            : $"closed loop x{options.Concurrency}";
        return new BenchReport(
            options.Label,
            mode,
            options.Observe.ToString().ToLowerInvariant(),
            all.Count,
            accepted.Length,
            all.Count(m => m.Status == HttpStatusCode.ServiceUnavailable),
            all.Count(m => m.Status is not (HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable)),
            right.Length,
            accepted.Length - ended.Length,
            ended.Length - right.Length,
            ended.Count(m => m.Result!.Attempts > 1),
            accepted.Length / phase.SubmitWindow.TotalSeconds,
            ended.Length / Math.Max(phase.EndToEndWindow.TotalSeconds, 1e-9),
            Percentiles.Of(all.Select(m => m.SubmitMs)),
            Percentiles.Of(ended.Select(m => m.EndToEndMs!.Value)),
            accepted.Length == 0 ? 0 : accepted.Average(m => (double)m.Polls),
            ended.GroupBy(m => m.Result!.Silo ?? "?").OrderBy(g => g.Key)
                .ToDictionary(g => g.Key, g => Math.Round(g.Count() / (double)ended.Length, 4)),
            options.Processes.Select(p => ProcessMemory.Read(p.Name, p.Pid)).ToArray(),
            // CPU per message rather than throughput alone: on a machine shared with other work, throughput moves with
            // whatever else runs, while the cluster's own CPU per message moves much less.
            ended.Length == 0 || cpuMilliseconds.Count == 0 ? double.NaN : cpuMilliseconds.Values.Sum() * 1000 / ended.Length,
            cpuMilliseconds.ToDictionary(p => p.Key, p => Math.Round(p.Value / 1000, 2)));
    }

    /// <summary>
    /// Why the run failed, if it did. Lost or wrong replies always fail it, and so does a run where nothing was
    /// accepted; 503s are the cluster's backpressure and count against a run only when <paramref name="options"/>
    /// is strict, as do other errors and messages processed more than once.
    /// </summary>
    public IReadOnlyList<string> Failures(BenchOptions options)
    {
        var failures = new List<string>();
        if (Accepted == 0)
        {
            failures.Add($"none of {Submitted} submissions was accepted");
        }

        if (Lost > 0 || Wrong > 0)
        {
            failures.Add($"{Lost} lost and {Wrong} wrong of {Accepted} accepted");
        }

        if (options.Strict)
        {
            var requested = options.Duration is null ? options.Messages ?? Submitted : Submitted;
            if (Accepted != requested)
            {
                failures.Add($"{Accepted} of {requested} messages accepted ({Rejected503} rejected with 503, {OtherErrors} other errors)");
            }

            if (Duplicated > 0)
            {
                failures.Add($"{Duplicated} processed more than once");
            }
        }

        return failures;
    }

    public string ToTable()
    {
        var text = new StringBuilder();
        void Row(string name, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-22} {value}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{Label} ({Mode}, observed by {Observe})");
        Row("messages", $"{Submitted} submitted, {Accepted} accepted, {Rejected503} rejected (503), {OtherErrors} other errors");
        Row("outcome", $"{Completed} completed right, {Lost} lost, {Wrong} wrong, {Duplicated} processed more than once");
        Row("submit throughput", string.Create(CultureInfo.InvariantCulture, $"{SubmitPerSecond:0} msg/s"));
        Row("end-to-end throughput", string.Create(CultureInfo.InvariantCulture, $"{EndToEndPerSecond:0} msg/s"));
        Row("submit latency", SubmitLatency.ToString());
        Row("end-to-end latency", EndToEndLatency.ToString());
        if (Observe == "poll")
        {
            Row("polls per message", PollsPerMessage.ToString("0.0", CultureInfo.InvariantCulture));
        }

        Row("per-silo share", string.Join(", ", SiloShare.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:P1}"))));
        if (CpuSeconds.Count > 0)
        {
            Row("CPU per message", string.Create(CultureInfo.InvariantCulture,
                $"{CpuMicrosecondsPerMessage:0} µs ({string.Join(", ", CpuSeconds.Select(p => $"{p.Key} {p.Value:0.00} s"))})"));
        }

        foreach (var memory in Memory)
        {
            Row($"memory {memory.Name}", string.Create(CultureInfo.InvariantCulture, $"peak {memory.PeakMiB:0} MiB, now {memory.CurrentMiB:0} MiB (pid {memory.Pid})"));
        }

        return text.ToString();
    }
}
