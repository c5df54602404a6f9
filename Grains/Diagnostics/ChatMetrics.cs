using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Work;

namespace Grains.Diagnostics;

/// <summary>
/// The silo's message metrics, on the meter <see cref="MeterName"/>. Counters and the end-to-end time are recorded
/// where a result grain stores a change, so each message counts once whichever silo runs it; the backend call is
/// timed where it is made; the gauges read the silo's workload when scraped. The Prometheus exporter adds
/// <c>_total</c> to counters and <c>_seconds</c> to histograms in seconds, so a scrape shows
/// <c>chat_messages_accepted_total</c> and <c>chat_processing_duration_seconds</c>.
/// </summary>
public sealed class ChatMetrics
{
    public const string MeterName = "Chat";

    private const string BackendTag = "backend";

    // Backend calls take from milliseconds (echo) to minutes (a large model); OpenTelemetry's default bounds are
    // meant for milliseconds.
    private static readonly IReadOnlyList<double> Seconds =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _processing;
    private readonly Histogram<double> _endToEnd;

    public ChatMetrics(IMeterFactory meters, SiloWorkload workload)
    {
        var meter = meters.Create(MeterName);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds };
        _accepted = meter.CreateCounter<long>("chat_messages_accepted", "{message}", "New messages stored, by the backend asked for.");
        _completed = meter.CreateCounter<long>("chat_messages_completed", "{message}", "Messages that got a reply, by the backend that answered.");
        _failed = meter.CreateCounter<long>(
            "chat_messages_failed", "{message}", "Messages that failed for good (every attempt and fallback spent), by their last backend.");
        _processing = meter.CreateHistogram("chat_processing_duration", "s", "One attempt's call to its backend, whatever it answered.", advice: advice);
        _endToEnd = meter.CreateHistogram("chat_end_to_end_duration", "s", "From a message's acceptance to its reply, retries included.", advice: advice);
        meter.CreateObservableGauge(
            "chat_messages_queued",
            () => workload.Backends.Snapshot().Select(load => new Measurement<int>(load.Pending, Backend(load.Backend))),
            "{message}",
            "Messages this silo holds for a backend and has not started yet.");
        meter.CreateObservableGauge(
            "chat_messages_in_flight",
            () => workload.Backends.Snapshot().Select(load => new Measurement<int>(load.InFlight, Backend(load.Backend))),
            "{message}",
            "Messages this silo is sending to a backend now.");
    }

    /// <summary>A result grain stored <paramref name="next"/> over <paramref name="previous"/> (null for a new message).</summary>
    public void RecordChange(MessageState? previous, MessageState next)
    {
        if (previous is null)
        {
            _accepted.Add(1, Backend(next.Backend));
        }
        else if (previous.Status == next.Status)
        {
            return;
        }

        if (next.Status == ChatStatus.Completed)
        {
            _completed.Add(1, Backend(next.Backend));
            _endToEnd.Record(((next.CompletedAt ?? next.EnqueuedAt) - next.EnqueuedAt).TotalSeconds, Backend(next.Backend));
        }
        else if (next.Status == ChatStatus.Failed)
        {
            _failed.Add(1, Backend(next.Backend));
        }
    }

    /// <summary>Times one call to a backend, recorded when the returned value is disposed.</summary>
    public BackendCall MeasureBackendCall(string backend) => new(this, backend, Stopwatch.GetTimestamp());

    private static KeyValuePair<string, object?> Backend(string backend) => new(BackendTag, backend.ToLowerInvariant());

    public readonly struct BackendCall(ChatMetrics metrics, string backend, long started) : IDisposable
    {
        public void Dispose() => metrics._processing.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Backend(backend));
    }
}
