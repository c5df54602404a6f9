using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LoadGenerator;

/// <summary>
/// Turns the JSON lines of a benchmark session into a markdown table: one row per label (shape and scenario),
/// the median of its runs, and end-to-end throughput as a fraction of the ceiling server's median.
/// </summary>
public static class Summary
{
    public const string CeilingLabel = "ceiling";

    public static string ToMarkdown(IEnumerable<string> jsonLines)
    {
        var runs = jsonLines
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonSerializer.Deserialize(line, BenchJson.Default.BenchReport)!)
            .ToArray();
        var ceiling = runs.Where(r => r.Label == CeilingLabel).Select(r => r.EndToEndPerSecond).DefaultIfEmpty(double.NaN).ToArray();
        var ceilingMedian = Median(ceiling);
        var text = new StringBuilder();
        text.AppendLine("| Shape / scenario | Load | Runs | End-to-end msg/s (median; runs) | of ceiling | Submit p99 ms | End-to-end p50 / p99 ms | Lost / wrong / twice | Per-silo share | CPU µs per message | Peak memory MiB |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in runs.GroupBy(r => r.Label))
        {
            var rows = group.OrderBy(r => r.EndToEndPerSecond).ToArray();
            var median = rows[rows.Length / 2];
            string F(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
            var share = string.Join(" / ", median.SiloShare.Values.Select(v => F(v * 100, "0.0") + "%"));
            var memory = string.Join(", ", group.SelectMany(r => r.Memory).GroupBy(m => m.Name)
                .Select(m => $"{m.Key} {F(m.Max(x => x.PeakMiB))}"));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key} | {median.Mode}, {median.Observe} | {rows.Length} | **{F(median.EndToEndPerSecond)}** ({string.Join(", ", rows.Select(r => F(r.EndToEndPerSecond)))}) " +
                $"| {(group.Key == CeilingLabel ? "1.00" : F(median.EndToEndPerSecond / ceilingMedian, "0.00"))} " +
                $"| {F(median.SubmitLatency.P99, "0.0")} | {F(median.EndToEndLatency.P50, "0.0")} / {F(median.EndToEndLatency.P99, "0.0")} " +
                $"| {group.Sum(r => r.Lost)} / {group.Sum(r => r.Wrong)} / {group.Sum(r => r.Duplicated)} | {share} | {F(median.CpuMicrosecondsPerMessage)} | {memory} |"));
        }

        return text.ToString();
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
