using Grains.Interfaces;

namespace Grains.Load;

/// <summary>
/// Sums the silos' cumulative counters. A silo that stopped keeps its last report in the sums (the
/// messages it accepted or started still count). If this grain itself moves, silos that stopped before
/// that are forgotten, so the backlog is clamped at zero.
/// </summary>
public sealed class ClusterLoadGrain(TimeProvider clock) : Grain, IClusterLoadGrain
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);
    private readonly Dictionary<(string Silo, DateTimeOffset StartedAt), SiloHistory> _silos = [];

    public ValueTask<ClusterLoad> Report(SiloLoadReport report)
    {
        var key = (report.Silo, report.StartedAt);
        if (!_silos.TryGetValue(key, out var history))
        {
            _silos[key] = history = new SiloHistory();
        }

        history.Add(clock.GetUtcNow(), report);
        return GetLoad();
    }

    public ValueTask<ClusterLoad> GetLoad()
    {
        long accepted = 0, started = 0;
        double rate = 0;
        var silos = new List<SiloLoad>(_silos.Count);
        foreach (var history in _silos.Values)
        {
            var latest = history.Latest!;
            accepted += latest.Accepted;
            started += latest.Started;
            var siloRate = history.CompletedPerSecond(clock.GetUtcNow());
            rate += siloRate;
            silos.Add(new SiloLoad(latest, siloRate, history.LastReportAt));
        }

        return ValueTask.FromResult(new ClusterLoad(Math.Max(0, accepted - started), rate, silos));
    }

    private sealed class SiloHistory
    {
        private readonly Queue<(DateTimeOffset At, long Completed)> _samples = new();

        public SiloLoadReport? Latest { get; private set; }

        public DateTimeOffset LastReportAt { get; private set; }

        public void Add(DateTimeOffset now, SiloLoadReport report)
        {
            Latest = report;
            LastReportAt = now;
            _samples.Enqueue((now, report.Completed + report.Failed));
            while (_samples.Count > 2 && now - _samples.Peek().At > RateWindow)
            {
                _samples.Dequeue();
            }
        }

        public double CompletedPerSecond(DateTimeOffset now)
        {
            // A silo that stopped reporting is not processing anything now.
            if (_samples.Count < 2 || now - LastReportAt > RateWindow)
            {
                return 0;
            }

            var first = _samples.Peek();
            var seconds = (LastReportAt - first.At).TotalSeconds;
            return seconds > 0 ? (Latest!.Completed + Latest.Failed - first.Completed) / seconds : 0;
        }
    }
}
