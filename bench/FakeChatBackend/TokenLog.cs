using System.Collections.Concurrent;

namespace FakeChatBackend;

/// <summary>
/// When each token of each streamed reply left the fake, keyed by the first word of the user's message: a benchmark
/// that tags its messages can tell how long each token took from here to its own client. Bounded like the exchanges.
/// </summary>
internal sealed class TokenLog
{
    private const int MaxRemembered = 20_000;
    private readonly ConcurrentQueue<FakeTokenTimes> _streams = new();

    public void Add(string tag, long[] sentAtUnixMicroseconds)
    {
        _streams.Enqueue(new FakeTokenTimes(tag, sentAtUnixMicroseconds));
        while (_streams.Count > MaxRemembered && _streams.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<FakeTokenTimes> Snapshot() => _streams.ToArray();

    public void Clear() => _streams.Clear();

    public static long NowUnixMicroseconds() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
}
