using Grains;
using Grains.Conversations;
using Grains.Interfaces;
using Grains.Lifecycle;

namespace Chat.Tests.Lifecycle;

/// <summary>
/// A conversation's message in the lifecycle: held until its turn, released once, and its end told to its conversation
/// through the outbox whatever ended it; and the history its backend is sent.
/// </summary>
public sealed class ConversationLifecycleTests
{
    private const string Conversation = "conversation-1";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LifecyclePolicy Policy = new(MaxAttempts: 2, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 10);
    private static readonly Guid Request = Guid.Parse("eeeeeeee-0000-0000-0000-000000000005");
    private static readonly AttemptHolder Holder = new(Guid.NewGuid(), "worker-7", "127.0.0.1:11111", "S127.0.0.1:11111:1");

    [Fact]
    public void A_held_message_is_stored_as_queued_and_not_published()
    {
        var state = MessageLifecycle.Apply(null, Accept(held: true), Policy).State!;

        Assert.Equal((ChatStatus.Queued, true, Conversation), (state.Status, state.Held, state.ConversationId));
        Assert.Equal(Outbox.Empty, state.Outbox);
    }

    [Fact]
    public void A_message_whose_turn_has_come_is_published_at_once()
    {
        var state = MessageLifecycle.Apply(null, Accept(held: false), Policy).State!;

        Assert.False(state.Held);
        Assert.Equal(new Outbox(true, null, DeadLetterChange.None), state.Outbox);
    }

    [Fact]
    public void A_release_publishes_a_held_message_once_and_a_repeat_changes_nothing()
    {
        var held = Run(Accept(held: true));

        var released = MessageLifecycle.Apply(held, new Release(T0), Policy);
        Assert.Equal(Verdict.Applied, released.Verdict);
        Assert.Equal((ChatStatus.Queued, false), (released.State!.Status, released.State.Held));
        Assert.Equal(new Outbox(true, null, DeadLetterChange.None), released.State.Outbox);

        var settled = released.State with { Outbox = Outbox.Empty };
        var again = MessageLifecycle.Apply(settled, new Release(T0), Policy);
        Assert.Equal(Verdict.Repeated, again.Verdict);
        Assert.Same(settled, again.State);
    }

    [Fact]
    public void A_released_message_runs_like_any_other()
    {
        var running = Run(Accept(held: true), new Release(T0), new Claim(Holder, false, T0));

        Assert.Equal((ChatStatus.Processing, 1), (running.Status, running.Attempts));
    }

    [Fact]
    public void Its_reply_is_told_to_the_conversation_and_a_repeated_reply_tells_nothing_more()
    {
        var running = Run(Accept(held: false), new Claim(Holder, false, T0));

        var completed = MessageLifecycle.Apply(running, new Complete(1, "reply", T0), Policy);
        Assert.Equal(new Outbox(false, null, DeadLetterChange.None, NotifyConversation: true), completed.State!.Outbox);

        var repeated = MessageLifecycle.Apply(completed.State with { Outbox = Outbox.Empty }, new Complete(1, "reply", T0), Policy);
        Assert.Equal(Verdict.Repeated, repeated.Verdict);
        Assert.True(repeated.State!.Outbox.IsEmpty);
    }

    [Fact]
    public void A_message_on_its_own_tells_no_conversation()
    {
        var running = Run(new Accept("hello", Request, T0), new Claim(Holder, false, T0));

        var completed = MessageLifecycle.Apply(running, new Complete(1, "reply", T0), Policy);

        Assert.True(completed.State!.Outbox.IsEmpty);
    }

    [Fact]
    public void A_failure_is_told_only_once_it_is_final_together_with_the_dead_letter()
    {
        var running = Run(Accept(held: false), new Claim(Holder, false, T0));

        var retrying = MessageLifecycle.Apply(running, new Fail(1, "e1", 0, T0), Policy).State!;
        Assert.False(retrying.Outbox.NotifyConversation);

        var second = Run(Accept(held: false), new Claim(Holder, false, T0), new Fail(1, "e1", 0, T0), new Claim(Holder with { Claim = Guid.NewGuid() }, false, T0));
        var failed = MessageLifecycle.Apply(second, new Fail(2, "e2", 0, T0), Policy).State!;
        Assert.Equal(ChatStatus.Failed, failed.Status);
        Assert.Equal(new Outbox(false, null, DeadLetterChange.Add, NotifyConversation: true), failed.Outbox);
    }

    [Fact]
    public void Cancelling_a_held_message_tells_the_conversation_and_stops_no_worker()
    {
        var held = Run(Accept(held: true));

        var cancelled = MessageLifecycle.Apply(held, new Cancel(T0), Policy);

        Assert.Equal((ChatStatus.Cancelled, false), (cancelled.State!.Status, cancelled.State.Held));
        Assert.Equal(new Outbox(false, null, DeadLetterChange.None, NotifyConversation: true), cancelled.State.Outbox);
        Assert.Null(cancelled.StopWorker);
    }

    [Fact]
    public void A_failed_message_of_a_conversation_is_not_retried_out_of_its_turn()
    {
        var failed = Run(Accept(held: false), new Claim(Holder, false, T0), new Fail(1, "e1", 0, T0),
            new Claim(Holder with { Claim = Guid.NewGuid() }, false, T0), new Fail(2, "e2", 0, T0));

        Assert.Equal(Verdict.Refused, MessageLifecycle.Apply(failed, new Retry(Guid.NewGuid(), T0), Policy).Verdict);
    }

    [Fact]
    public void The_same_id_in_another_conversation_or_on_its_own_is_another_message()
    {
        var held = Run(Accept(held: true));

        Assert.Equal(Verdict.Refused, MessageLifecycle.Apply(held, new Accept("hello", Request, T0, ConversationId: "conversation-2"), Policy).Verdict);
        Assert.Equal(Verdict.Refused, MessageLifecycle.Apply(held, new Accept("hello", Request, T0), Policy).Verdict);
        Assert.Equal(Verdict.Repeated, MessageLifecycle.Apply(held, Accept(held: false), Policy).Verdict);
    }

    [Fact]
    public void Storage_keeps_the_conversation_the_hold_and_an_untold_end()
    {
        var held = Run(Accept(held: true));
        var cancelled = MessageLifecycle.Apply(held, new Cancel(T0), Policy).State!;

        Assert.Equal(held, ChatResultState.From(held).ToLifecycle());
        Assert.Equal(cancelled, ChatResultState.From(cancelled).ToLifecycle());
    }

    [Fact]
    public void The_history_is_the_system_prompt_then_the_answered_exchanges_trimmed_to_the_most_recent()
    {
        ConversationEntry[] earlier =
        [
            new("m1", "one", ChatStatus.Completed, "reply one", T0, T0),
            new("m2", "two", ChatStatus.Failed, null, T0, T0),
            new("m3", "three", ChatStatus.Completed, "reply three", T0, T0),
            new("m4", "four", ChatStatus.Cancelled, null, T0, T0),
            new("m5", "five", ChatStatus.Completed, "reply five", T0, T0),
        ];

        Assert.Equal(
            [
                new ConversationTurn(ConversationRole.System, "be brief"),
                new ConversationTurn(ConversationRole.Assistant, "reply three"),
                new ConversationTurn(ConversationRole.User, "five"),
                new ConversationTurn(ConversationRole.Assistant, "reply five"),
            ],
            ConversationHistory.Before("be brief", earlier, maxMessages: 3));
        Assert.Equal(6, ConversationHistory.Before(null, earlier, maxMessages: 20).Length);
        Assert.Equal([new ConversationTurn(ConversationRole.System, "be brief")], ConversationHistory.Before("be brief", earlier, maxMessages: 0));
    }

    private static Accept Accept(bool held) => new("hello", Request, T0, ConversationId: Conversation, Held: held);

    /// <summary>Applies events in order, carrying out each outbox (as the shell does) before the next.</summary>
    private static MessageState Run(params MessageEvent[] events)
    {
        MessageState? state = null;
        foreach (var @event in events)
        {
            var transition = MessageLifecycle.Apply(state, @event, Policy);
            Assert.Equal(Verdict.Applied, transition.Verdict);
            state = transition.State! with { Outbox = Outbox.Empty };
        }

        return state!;
    }
}
