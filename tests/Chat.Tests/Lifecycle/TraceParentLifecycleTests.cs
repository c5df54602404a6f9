using Grains;
using Grains.Lifecycle;

namespace Chat.Tests.Lifecycle;

/// <summary>
/// The trace context a message keeps for its work items: the submission's, through every attempt and retry; a traced
/// manual retry's for the round it starts; and kept in storage, so a later activation publishes into the same trace.
/// </summary>
public sealed class TraceParentLifecycleTests
{
    private const string Submitted = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string Retried = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LifecyclePolicy Policy = new(MaxAttempts: 2, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 2);

    [Fact]
    public void Every_round_of_attempts_carries_the_submissions_trace_until_a_traced_retry_starts_its_own()
    {
        var accepted = Apply(null, new Accept("hello", Guid.NewGuid(), T0, TraceParent: Submitted));
        var retrying = Apply(Apply(accepted, Claim()), new Fail(1, "e1", 0, T0));
        var failed = Apply(Apply(retrying, Claim()), new Fail(2, "e2", 0, T0));

        Assert.Equal((Submitted, true), (accepted.TraceParent, accepted.Outbox.Publish));
        Assert.Equal((Submitted, true), (retrying.TraceParent, retrying.Outbox.Publish));
        Assert.Equal(Submitted, failed.TraceParent);
        Assert.Equal(Submitted, Apply(failed, new Retry(Guid.NewGuid(), T0)).TraceParent);
        Assert.Equal(Retried, Apply(failed, new Retry(Guid.NewGuid(), T0, Retried)).TraceParent);
    }

    [Fact]
    public void A_repeated_submission_keeps_the_first_ones_trace()
    {
        var accepted = Apply(null, new Accept("hello", Guid.NewGuid(), T0, TraceParent: Submitted));

        var again = MessageLifecycle.Apply(accepted with { Outbox = Outbox.Empty }, new Accept("hello", Guid.NewGuid(), T0, TraceParent: Retried), Policy);

        Assert.Equal((Verdict.Existing, Submitted), (again.Verdict, again.State!.TraceParent));
    }

    [Fact]
    public void The_trace_is_stored_with_the_message()
    {
        var accepted = Apply(null, new Accept("hello", Guid.NewGuid(), T0, TraceParent: Submitted));

        Assert.Equal(Submitted, ChatResultState.From(accepted).ToLifecycle().TraceParent);
        Assert.Null(ChatResultState.From(Apply(null, new Accept("hello", Guid.NewGuid(), T0))).ToLifecycle().TraceParent);
    }

    private static Claim Claim() => new(new AttemptHolder(Guid.NewGuid(), "echo-0", "127.0.0.1:11111", "S127.0.0.1:11111:1"), false, T0);

    private static MessageState Apply(MessageState? state, MessageEvent @event) =>
        MessageLifecycle.Apply(state is null ? null : state with { Outbox = Outbox.Empty }, @event, Policy).State!;
}
