using Grains.Interfaces;
using Grains.Lifecycle;
using static Chat.Tests.Lifecycle.MessageLifecycleTests;

namespace Chat.Tests.Lifecycle;

/// <summary>What each transition asks the shell to do, and the rules across several events.</summary>
public sealed class MessageLifecycleEffectsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LifecyclePolicy Policy = new(MaxAttempts: 3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 10);
    private static readonly AttemptHolder Holder = new(Guid.NewGuid(), "worker-7", "127.0.0.1:11111", "S127.0.0.1:11111:1");

    [Fact]
    public void Accept_stores_a_queued_message_and_publishes_it()
    {
        var transition = MessageLifecycle.Apply(null, new Accept("hello", Guid.NewGuid(), T0), Policy);

        var state = transition.State!;
        Assert.Equal((ChatStatus.Queued, "hello", T0, 1L, 0), (state.Status, state.Message, state.EnqueuedAt, state.Version, state.Attempts));
        Assert.Equal(new Outbox(true, null, DeadLetterChange.None), state.Outbox);
    }

    [Fact]
    public void A_failure_below_the_limit_queues_the_message_again_with_its_backoff_in_the_stream_entry()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;

        var transition = MessageLifecycle.Apply(running, new Fail(1, "boom", 1.0, T0), Policy);

        Assert.Equal(TimeSpan.FromMilliseconds(500), transition.RetryAfter);
        Assert.Equal((ChatStatus.Queued, "boom", 1), (transition.State!.Status, transition.State.Error, transition.State.Attempts));
        Assert.Equal(new Outbox(true, T0.AddMilliseconds(500), DeadLetterChange.None), transition.State.Outbox);
    }

    [Fact]
    public void The_last_allowed_failure_fails_the_message_for_good_and_lists_it_as_a_dead_letter()
    {
        var third = Run(Accept(), ClaimEvent(Holder), new Fail(1, "e1", 0, T0), ClaimEvent(Holder with { Claim = Guid.NewGuid() }),
            new Fail(2, "e2", 0, T0), ClaimEvent(Holder with { Claim = Guid.NewGuid() }))!;

        var transition = MessageLifecycle.Apply(third, new Fail(3, "e3", 0, T0.AddSeconds(9)), Policy);

        var state = transition.State!;
        Assert.Equal((ChatStatus.Failed, "e3", 3, T0.AddSeconds(9)), (state.Status, state.Error, state.Attempts, state.CompletedAt));
        Assert.Equal(new Outbox(false, null, DeadLetterChange.Add), state.Outbox);
        Assert.Null(transition.RetryAfter);
    }

    [Fact]
    public void A_retry_starts_a_new_round_with_a_fresh_allowance_and_leaves_the_dead_letters()
    {
        var failed = Run(Accept(), ClaimEvent(Holder), new Fail(1, "e1", 0, T0), ClaimEvent(Holder with { Claim = Guid.NewGuid() }),
            new Fail(2, "e2", 0, T0), ClaimEvent(Holder with { Claim = Guid.NewGuid() }), new Fail(3, "e3", 0, T0))!;

        var retried = MessageLifecycle.Apply(failed, new Retry(Guid.NewGuid(), T0), Policy).State!;

        Assert.Equal((ChatStatus.Queued, null, null, 3), (retried.Status, retried.Error, retried.CompletedAt, retried.RoundStartAttempts));
        Assert.Equal(new Outbox(true, null, DeadLetterChange.Remove), retried.Outbox);

        // Attempt 4 is the first of the new round: its failure is retried, not final.
        var fourth = MessageLifecycle.Apply(retried with { Outbox = Outbox.Empty }, ClaimEvent(Holder with { Claim = Guid.NewGuid() }), Policy).State!;
        var afterFailure = MessageLifecycle.Apply(fourth, new Fail(4, "e4", 0, T0), Policy);
        Assert.Equal(ChatStatus.Queued, afterFailure.State!.Status);
        Assert.NotNull(afterFailure.RetryAfter);
    }

    [Fact]
    public void Cancelling_a_running_message_stops_its_worker_and_a_queued_one_needs_nothing_stopped()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;
        var queued = Run(Accept())!;

        Assert.Equal("worker-7", MessageLifecycle.Apply(running, new Cancel(T0), Policy).StopWorker);
        Assert.Null(MessageLifecycle.Apply(queued, new Cancel(T0), Policy).StopWorker);
        Assert.True(MessageLifecycle.Apply(running, new Cancel(T0), Policy).State!.Outbox.IsEmpty);
    }

    [Fact]
    public void The_late_reply_of_an_abandoned_attempt_is_ignored_and_the_takeover_decides()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;
        var takeover = MessageLifecycle.Apply(running, new Claim(Holder with { Claim = Guid.NewGuid(), Worker = "worker-9" }, true, T0), Policy).State!;
        Assert.Equal((2, "worker-9"), (takeover.Attempts, takeover.Holder!.Worker));

        var late = MessageLifecycle.Apply(takeover, new Complete(1, "late", T0), Policy);
        Assert.Equal(Verdict.Stale, late.Verdict);
        Assert.Equal(Verdict.Stale, MessageLifecycle.Apply(takeover, new Fail(1, "late", 0, T0), Policy).Verdict);

        var done = MessageLifecycle.Apply(takeover, new Complete(2, "reply", T0), Policy).State!;
        Assert.Equal((ChatStatus.Completed, "reply"), (done.Status, done.Reply));
    }

    [Fact]
    public void Outcomes_repeated_after_a_lost_answer_get_the_first_answer()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;
        var completed = MessageLifecycle.Apply(running, new Complete(1, "reply", T0), Policy).State!;
        Assert.Equal(Verdict.Repeated, MessageLifecycle.Apply(completed, new Complete(1, "reply", T0), Policy).Verdict);

        var requeued = MessageLifecycle.Apply(running, new Fail(1, "boom", 0, T0), Policy).State! with { Outbox = Outbox.Empty };
        var again = MessageLifecycle.Apply(requeued, new Fail(1, "boom", 0, T0), Policy);
        Assert.Equal((Verdict.Repeated, TimeSpan.Zero), (again.Verdict, again.RetryAfter));

        var abandoned = MessageLifecycle.Apply(running, new Abandon(1, "stopping", T0), Policy).State! with { Outbox = Outbox.Empty };
        Assert.Equal(Verdict.Repeated, MessageLifecycle.Apply(abandoned, new Abandon(1, "stopping", T0), Policy).Verdict);
    }

    [Fact]
    public void An_abandoned_attempt_is_queued_again_at_once()
    {
        var running = Run(Accept(), ClaimEvent(Holder))!;

        var transition = MessageLifecycle.Apply(running, new Abandon(1, "silo stopped", T0), Policy);

        Assert.Equal((ChatStatus.Queued, "silo stopped"), (transition.State!.Status, transition.State.Error));
        Assert.Equal(new Outbox(true, null, DeadLetterChange.None), transition.State.Outbox);
    }

    [Fact]
    public void Abandoned_attempts_do_not_use_up_the_allowance()
    {
        Claim Next() => ClaimEvent(Holder with { Claim = Guid.NewGuid() });
        var third = Run(Accept(), Next(), new Abandon(1, "stopping", T0), Next(), new Claim(Holder with { Claim = Guid.NewGuid() }, true, T0))!;
        Assert.Equal((3, 1), (third.Attempts, third.AttemptsThisRound));

        // Three attempts were made, but only this one failed: it is retried, not failed for good.
        var failed = MessageLifecycle.Apply(third, new Fail(3, "boom", 0, T0), Policy);
        Assert.Equal(ChatStatus.Queued, failed.State!.Status);
        Assert.NotNull(failed.RetryAfter);
    }

    [Fact]
    public void A_transition_cannot_be_applied_over_effects_not_yet_carried_out()
    {
        var accepted = MessageLifecycle.Apply(null, new Accept("hello", Guid.NewGuid(), T0), Policy).State!;

        Assert.Throws<InvalidOperationException>(() => MessageLifecycle.Apply(accepted, new Cancel(T0), Policy));
    }

    [Theory]
    [InlineData(1, 0.0, 250)]
    [InlineData(1, 1.0, 500)]
    [InlineData(2, 1.0, 1000)]
    [InlineData(4, 1.0, 4000)]
    [InlineData(10, 1.0, 30000)]
    [InlineData(10, 0.0, 15000)]
    public void Retry_delays_double_up_to_the_cap_with_jitter(int failedAttempts, double jitter, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Policy.RetryDelay(failedAttempts, jitter));
    }

    [Fact]
    public void An_attempt_outlives_its_limit_only_after_it()
    {
        var limit = TimeSpan.FromSeconds(330);
        Assert.False(LifecyclePolicy.Outlived(T0, T0 + limit, limit));
        Assert.True(LifecyclePolicy.Outlived(T0, T0 + limit + TimeSpan.FromTicks(1), limit));
        Assert.False(LifecyclePolicy.Outlived(null, T0 + limit * 2, limit));
    }
}
