using Grains.Backends;
using Grains.Interfaces;
using Grains.Placement;
using Orleans.Runtime;

namespace Grains.Load;

/// <summary>
/// Gathers the silos' load reports. The backlog is what live silos hold waiting to start, a gauge rather than a
/// difference of counters, so it stays right when a silo dies (what it held is lost in embedded mode, or comes
/// back to a live silo after the lease in durable mode) and when a message is delivered twice. Silos that left
/// keep their last report, because the work they did still counts in the totals.
/// </summary>
[OldestSiloPlacement]
public sealed class ClusterLoadGrain(TimeProvider clock, IClusterMembershipService membership, BackendCatalog backends)
    : Grain, IClusterLoadGrain
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(5);

    // A silo the membership does not know yet (it is joining) counts while it keeps reporting.
    private static readonly TimeSpan UnknownSiloGrace = TimeSpan.FromSeconds(10);

    // Reports of silos long gone are dropped beyond this many, oldest first, so a long-lived cluster stays small.
    private const int MaxRemembered = 256;

    private readonly Dictionary<(string Silo, DateTimeOffset StartedAt), SiloHistory> _silos = [];

    public ValueTask<ClusterLoad> Report(SiloLoadReport report)
    {
        var key = (report.Silo, report.StartedAt);
        if (!_silos.TryGetValue(key, out var history))
        {
            _silos[key] = history = new SiloHistory();
            Forget();
        }

        history.Add(clock.GetUtcNow(), report);
        return GetLoad();
    }

    public ValueTask<ClusterLoad> GetLoad()
    {
        var now = clock.GetUtcNow();
        long backlog = 0;
        double rate = 0;
        var silos = new List<SiloLoad>(_silos.Count);
        foreach (var history in _silos.Values)
        {
            var latest = history.Latest!;
            if (IsLive(history, now))
            {
                backlog += latest.Pending;
            }

            var siloRate = history.CompletedPerSecond(now);
            rate += siloRate;
            silos.Add(new SiloLoad(latest, siloRate, history.LastReportAt));
        }

        return ValueTask.FromResult(new ClusterLoad(backlog, rate, silos));
    }

    public ValueTask<IReadOnlyList<BackendStatus>> GetBackends()
    {
        var now = clock.GetUtcNow();
        var reports = _silos.Values.Select(history => (Live: IsLive(history, now), Loads: history.Latest!.Backends ?? [])).ToArray();
        IReadOnlyList<BackendStatus> statuses = backends.All.Select(backend =>
        {
            var loads = reports.SelectMany(report => report.Loads
                .Where(load => string.Equals(load.Backend, backend.Name, StringComparison.OrdinalIgnoreCase))
                .Select(load => (report.Live, Load: load))).ToArray();
            return new BackendStatus(
                backend.Name,
                backend.KindName,
                backend.Model,
                backend.MaxConcurrency,
                loads.Where(load => load.Live).Sum(load => load.Load.InFlight),
                loads.Where(load => load.Live).Sum(load => load.Load.Pending),
                loads.Sum(load => load.Load.Completed),
                loads.Sum(load => load.Load.Failed),
                loads.Sum(load => load.Load.RateLimited),
                loads.Sum(load => load.Load.InputTokens),
                loads.Sum(load => load.Load.OutputTokens),
                string.Equals(backend.Name, backends.Default.Name, StringComparison.OrdinalIgnoreCase));
        }).ToArray();
        return ValueTask.FromResult(statuses);
    }

    private bool IsLive(SiloHistory history, DateTimeOffset now)
    {
        var status = history.Latest!.Address is { } address
            ? membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(address))
            : SiloStatus.None;
        return status switch
        {
            SiloStatus.Dead => false,
            SiloStatus.None => now - history.LastReportAt < UnknownSiloGrace,
            _ => true,
        };
    }

    private void Forget()
    {
        if (_silos.Count <= MaxRemembered)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (key, _) in _silos.Where(pair => !IsLive(pair.Value, now)).OrderBy(pair => pair.Value.LastReportAt).Take(_silos.Count - MaxRemembered).ToList())
        {
            _silos.Remove(key);
        }
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
