using Grains.Interfaces;
using Grains.Lifecycle;

namespace Chat.Tests.Lifecycle;

/// <summary>What backends add to a message's life: the backend it is queued for, fallbacks, deferrals after a 429, usage.</summary>
public sealed class BackendLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly LifecyclePolicy Policy = new(MaxAttempts: 2, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 2)
    {
        Fallbacks = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["fast"] = "spare" },
    };

    private static int _claims;

    [Fact]
    public void A_message_is_queued_for_the_backend_it_asked_for_and_publishes_there()
    {
        var state = Apply(null, new Accept("hello", Guid.NewGuid(), T0, "fast")).State!;

        Assert.Equal(("fast", "fast", true), (state.RequestedBackend, state.Backend, state.Outbox.Publish));
    }

    [Fact]
    public void The_same_id_and_message_for_another_backend_is_a_conflict()
    {
        var state = Apply(null, new Accept("hello", Guid.NewGuid(), T0, "fast")).State! with { Outbox = Outbox.Empty };

        Assert.Equal(Verdict.Refused, Apply(state, new Accept("hello", Guid.NewGuid(), T0, "spare")).Verdict);
        Assert.Equal(Verdict.Existing, Apply(state, new Accept("hello", Guid.NewGuid(), T0, "FAST")).Verdict);
    }

    [Fact]
    public void Failing_every_attempt_hands_the_message_to_the_fallback_with_a_fresh_allowance_at_once()
    {
        var second = Run(new Accept("hello", Guid.NewGuid(), T0, "fast"), Claim(), new Fail(1, "e1", 0, T0), Claim());

        var transition = Apply(second, new Fail(2, "e2", 0, T0));

        var state = transition.State!;
        Assert.Equal((ChatStatus.Queued, "spare", "e2", 0), (state.Status, state.Backend, state.Error, state.AttemptsThisRound));
        Assert.Equal(new Outbox(true, null, DeadLetterChange.None), state.Outbox);
        Assert.Equal(TimeSpan.Zero, transition.RetryAfter);

        // The fallback has no fallback of its own: failing there for good is a dead letter.
        var onSpare = Run(state with { Outbox = Outbox.Empty }, Claim(), new Fail(3, "s1", 0, T0), Claim())!;
        var failed = Apply(onSpare, new Fail(4, "s2", 0, T0)).State!;
        Assert.Equal((ChatStatus.Failed, "spare", DeadLetterChange.Add), (failed.Status, failed.Backend, failed.Outbox.DeadLetter));
    }

    [Fact]
    public void A_manual_retry_starts_again_on_the_backend_the_client_asked_for()
    {
        var failed = Run(new Accept("hello", Guid.NewGuid(), T0, "fast"), Claim(), new Fail(1, "e1", 0, T0), Claim(), new Fail(2, "e2", 0, T0),
            Claim(), new Fail(3, "s1", 0, T0), Claim(), new Fail(4, "s2", 0, T0))!;

        var retried = Apply(failed, new Retry(Guid.NewGuid(), T0)).State!;

        Assert.Equal((ChatStatus.Queued, "fast"), (retried.Status, retried.Backend));
    }

    [Fact]
    public void A_deferral_queues_the_message_after_the_backends_wait_without_spending_an_attempt()
    {
        var running = Run(new Accept("hello", Guid.NewGuid(), T0, "fast"), Claim());

        var transition = Apply(running, new Defer(1, "429", TimeSpan.FromSeconds(3), T0));

        var state = transition.State!;
        Assert.Equal((ChatStatus.Queued, 1, 0, 1), (state.Status, state.Attempts, state.AttemptsThisRound, state.Deferrals));
        Assert.Equal(new Outbox(true, T0.AddSeconds(3), DeadLetterChange.None), state.Outbox);
        Assert.Equal(TimeSpan.FromSeconds(3), transition.RetryAfter);
        Assert.Equal(Verdict.Repeated, Apply(state with { Outbox = Outbox.Empty }, new Defer(1, "429", TimeSpan.FromSeconds(3), T0)).Verdict);
    }

    [Fact]
    public void Deferrals_past_the_bound_count_as_a_failed_attempt_and_a_reply_resets_them()
    {
        var deferredTwice = Run(new Accept("hello", Guid.NewGuid(), T0, "fast"), Claim(), new Defer(1, "429", TimeSpan.Zero, T0), Claim(), new Defer(2, "429", TimeSpan.Zero, T0), Claim())!;

        var third = Apply(deferredTwice, new Defer(3, "429", TimeSpan.Zero, T0)).State!;

        Assert.Equal((ChatStatus.Queued, 1, 0), (third.Status, third.AttemptsThisRound, third.Deferrals));
        Assert.Equal("429 (turned away 3 times in a row)", third.Error);
        var completed = Run(third with { Outbox = Outbox.Empty }, Claim(), new Complete(4, "hi", T0, "m-1", 7, 2))!;
        Assert.Equal(("hi", "m-1", 7, 2, "fast"), (completed.Reply, completed.Model, completed.InputTokens, completed.OutputTokens, completed.Backend));
    }

    private static Transition Apply(MessageState? state, MessageEvent @event) => MessageLifecycle.Apply(state, @event, Policy);

    private static Claim Claim() =>
        new(new AttemptHolder(Guid.NewGuid(), $"fast-{Interlocked.Increment(ref _claims)}", "127.0.0.1:11111", "S127.0.0.1:11111:1"), false, T0);

    private static MessageState? Run(params MessageEvent[] events) => Run(null, events);

    private static MessageState? Run(MessageState? state, params MessageEvent[] events)
    {
        foreach (var @event in events)
        {
            var transition = Apply(state, @event);
            Assert.Equal(Verdict.Applied, transition.Verdict);
            state = transition.State! with { Outbox = Outbox.Empty };
        }

        return state;
    }
}
