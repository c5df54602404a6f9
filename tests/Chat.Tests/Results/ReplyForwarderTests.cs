using System.Runtime.CompilerServices;
using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Work;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;

namespace Chat.Tests.Results;

/// <summary>How a worker passes a streaming reply to its result grain: coalesced, one call at a time, nothing lost.</summary>
public sealed class ReplyForwarderTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(30);

    [Fact]
    public async Task A_reply_that_arrives_in_one_update_costs_no_call()
    {
        var grain = new RecordingResultGrain();

        // A long interval: the reply ends within it even when this machine stalls the test's thread for a while.
        var response = await Forward(grain, Updates(["the whole reply"], TimeSpan.Zero), TimeSpan.FromSeconds(5));

        Assert.Equal("the whole reply", response.Text);
        Assert.Empty(grain.Calls);
    }

    [Fact]
    public async Task A_streamed_reply_goes_in_coalesced_pieces_one_call_at_a_time_each_from_what_the_grain_holds()
    {
        // The grain takes longer than the interval: pieces grow rather than calls pile up.
        var grain = new RecordingResultGrain { Delay = TimeSpan.FromMilliseconds(50) };
        var tokens = Enumerable.Range(0, 100).Select(i => $"t{i} ").ToArray();

        var response = await Forward(grain, Updates(tokens, TimeSpan.FromMilliseconds(5)));

        Assert.Equal(string.Concat(tokens), response.Text);
        Assert.Equal(1, grain.MaxInFlight);
        Assert.InRange(grain.Calls.Count, 2, tokens.Length / 4);
        Assert.StartsWith(grain.Held, response.Text);
        Assert.Equal(grain.Calls.Select(call => call.Offset), grain.Calls.Select(call => call.HeldBefore));
    }

    [Fact]
    public async Task A_failed_call_is_not_fatal_and_the_next_one_carries_its_text()
    {
        var grain = new RecordingResultGrain { FailCall = 1 };
        var tokens = Enumerable.Range(0, 40).Select(i => $"t{i} ").ToArray();

        var response = await Forward(grain, Updates(tokens, TimeSpan.FromMilliseconds(5)));

        Assert.Equal(string.Concat(tokens), response.Text);
        Assert.True(grain.Calls.Count >= 2, $"{grain.Calls.Count} calls");
        Assert.Equal(0, grain.Calls[1].Offset);
        Assert.True(grain.Calls[1].Text.Length > grain.Calls[0].Text.Length);
        Assert.StartsWith(grain.Held, response.Text);
    }

    [Fact]
    public async Task Once_the_grain_says_the_attempt_is_not_running_no_more_calls_are_made()
    {
        var grain = new RecordingResultGrain { Running = false };
        var tokens = Enumerable.Range(0, 40).Select(i => $"t{i} ").ToArray();

        await Forward(grain, Updates(tokens, TimeSpan.FromMilliseconds(5)));

        Assert.Single(grain.Calls);
    }

    private static Task<ChatResponse> Forward(RecordingResultGrain grain, IAsyncEnumerable<ChatResponseUpdate> updates, TimeSpan? interval = null) =>
        ReplyForwarder.ReadAsync(updates, grain, 1, interval ?? Interval, new RepeatedFailures(TimeSpan.FromSeconds(10)), NullLogger.Instance);

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(string[] texts, TimeSpan pace, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var text in texts)
        {
            if (pace > TimeSpan.Zero)
            {
                await Task.Delay(pace, cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, text) { MessageId = "m" };
        }
    }

    /// <summary>Takes pieces as the result grain does (the part beyond what it holds) and records each call.</summary>
    private sealed class RecordingResultGrain : IChatResultGrain
    {
        private int _inFlight;

        public List<(int Offset, string Text, int HeldBefore)> Calls { get; } = [];

        public string Held { get; private set; } = "";

        public int MaxInFlight { get; private set; }

        public TimeSpan Delay { get; init; }

        public int? FailCall { get; init; }

        public bool Running { get; init; } = true;

        public async ValueTask<AppendOutcome> AppendReply(int attempt, int offset, string text)
        {
            MaxInFlight = Math.Max(MaxInFlight, Interlocked.Increment(ref _inFlight));
            try
            {
                lock (Calls)
                {
                    Calls.Add((offset, text, Held.Length));
                }

                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay);
                }

                if (Calls.Count == FailCall)
                {
                    throw new TimeoutException("injected");
                }

                if (offset <= Held.Length && offset + text.Length > Held.Length)
                {
                    Held += text[(Held.Length - offset)..];
                }

                return new AppendOutcome(Running, Held.Length);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public ValueTask<SubmitOutcome> Accept(ChatSubmission submission, int partition, bool admitNew = true) => throw new NotSupportedException();

        public ValueTask<ChatResult?> Get() => throw new NotSupportedException();

        public ValueTask<ChatResult?> Release() => throw new NotSupportedException();

        public ValueTask<ChatResult?> Subscribe(IChatResultObserver observer) => throw new NotSupportedException();

        public ValueTask<ResultFeed?> Subscribe(IChatResultObserver observer, long afterSeq) => throw new NotSupportedException();

        public ValueTask Unsubscribe(IChatResultObserver observer) => throw new NotSupportedException();

        public ValueTask<ClaimOutcome> TryStart(string worker, SiloAddress silo, Guid claim) => throw new NotSupportedException();

        public ValueTask<bool> Complete(int attempt, ChatReply reply) => throw new NotSupportedException();

        public ValueTask<FailOutcome> Fail(int attempt, string error) => throw new NotSupportedException();

        public ValueTask<FailOutcome> Defer(int attempt, string reason, TimeSpan wait) => throw new NotSupportedException();

        public ValueTask<CancelOutcome> Cancel() => throw new NotSupportedException();

        public ValueTask<bool> Abandon(int attempt, string reason) => throw new NotSupportedException();

        public ValueTask<RetryOutcome> Retry(Guid request) => throw new NotSupportedException();
    }
}
