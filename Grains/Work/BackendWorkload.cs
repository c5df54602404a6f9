using System.Collections.Concurrent;
using Grains.Interfaces;

namespace Grains.Work;

/// <summary>This silo's work broken down by backend: the figures behind GET /backends.</summary>
public sealed class BackendWorkload
{
    private readonly ConcurrentDictionary<string, Counters> _backends = new(StringComparer.OrdinalIgnoreCase);

    public void RecordPending(string backend, int count) => Interlocked.Add(ref Of(backend).Pending, count);

    public void RecordStarted(string backend) => Interlocked.Increment(ref Of(backend).InFlight);

    public void RecordFinished(string backend, WorkOutcome outcome, ChatReply? reply)
    {
        var counters = Of(backend);
        if (outcome == WorkOutcome.Completed)
        {
            Interlocked.Increment(ref counters.Completed);
        }
        else if (outcome == WorkOutcome.Failed)
        {
            Interlocked.Increment(ref counters.Failed);
        }

        // Tokens count whenever the backend answered, since it spent them whatever became of the reply.
        Interlocked.Add(ref counters.InputTokens, reply?.InputTokens ?? 0);
        Interlocked.Add(ref counters.OutputTokens, reply?.OutputTokens ?? 0);
        Interlocked.Decrement(ref counters.InFlight);
    }

    public void RecordRateLimited(string backend) => Interlocked.Increment(ref Of(backend).RateLimited);

    public IReadOnlyList<BackendLoad> Snapshot() => _backends
        .Select(pair => new BackendLoad(
            pair.Key,
            Volatile.Read(ref pair.Value.Pending),
            Volatile.Read(ref pair.Value.InFlight),
            Interlocked.Read(ref pair.Value.Completed),
            Interlocked.Read(ref pair.Value.Failed),
            Interlocked.Read(ref pair.Value.RateLimited),
            Interlocked.Read(ref pair.Value.InputTokens),
            Interlocked.Read(ref pair.Value.OutputTokens)))
        .OrderBy(load => load.Backend, StringComparer.OrdinalIgnoreCase)
        .ToArray();

    private Counters Of(string backend) => _backends.GetOrAdd(backend, _ => new Counters());

    private sealed class Counters
    {
        public int Pending;
        public int InFlight;
        public long Completed;
        public long Failed;
        public long RateLimited;
        public long InputTokens;
        public long OutputTokens;
    }
}
