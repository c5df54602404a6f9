using System.Diagnostics;

namespace FakeChatBackend;

/// <summary>
/// Times tokens against one clock from the start of the request: token i is due at latency + i / tokensPerSecond,
/// so slow writes do not add up to a slower pace than asked for.
/// </summary>
internal sealed class Pacer(FakeChatBehavior behavior)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public Task UntilTokenAsync(int index, CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromMilliseconds(behavior.LatencyMs);
        if (behavior.TokensPerSecond > 0)
        {
            due += TimeSpan.FromSeconds(index / behavior.TokensPerSecond);
        }

        var wait = due - _clock.Elapsed;
        return wait > TimeSpan.Zero ? Task.Delay(wait, cancellationToken) : Task.CompletedTask;
    }
}
