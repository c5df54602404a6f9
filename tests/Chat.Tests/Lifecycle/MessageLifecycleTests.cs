using Grains.Interfaces;
using Grains.Lifecycle;

namespace Chat.Tests.Lifecycle;

/// <summary>
/// The lifecycle without a cluster: every event from every state, with the verdict, the next status and the
/// effects each must give. The table is checked to cover every state and every event.
/// </summary>
public sealed class MessageLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LifecyclePolicy Policy = new(MaxAttempts: 3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), MaxDeferrals: 10);
    private static readonly Guid ClaimA = Guid.Parse("aaaaaaaa-0000-0000-0000-000000000001");
    private static readonly Guid ClaimB = Guid.Parse("bbbbbbbb-0000-0000-0000-000000000002");
    private static readonly Guid RetryR = Guid.Parse("cccccccc-0000-0000-0000-000000000003");
    private static readonly Guid RetryS = Guid.Parse("dddddddd-0000-0000-0000-000000000004");
    private static readonly Guid Submission = Guid.Parse("eeeeeeee-0000-0000-0000-000000000005");
    private static readonly AttemptHolder HolderA = new(ClaimA, "worker-1", "127.0.0.1:11111", "S127.0.0.1:11111:1");
    private static readonly AttemptHolder HolderB = new(ClaimB, "worker-2", "127.0.0.1:11112", "S127.0.0.1:11112:1");

    /// <summary>Named states: each reached from a new message by real transitions, not built by hand.</summary>
    private static readonly Dictionary<string, MessageState?> States = new()
    {
        ["none"] = null,
        ["queued"] = Run(Accept()),
        ["processing"] = Run(Accept(), ClaimEvent(HolderA)),
        ["retry-waiting"] = Run(Accept(), ClaimEvent(HolderA), new Fail(1, "boom", 0, T0)),
        ["completed"] = Run(Accept(), ClaimEvent(HolderA), new Complete(1, "reply", T0)),
        ["failed"] = Run(Accept(), ClaimEvent(HolderA), new Fail(1, "e1", 0, T0), ClaimEvent(HolderB), new Fail(2, "e2", 0, T0),
            ClaimEvent(HolderA with { Claim = Guid.NewGuid() }), new Fail(3, "e3", 0, T0)),
        ["cancelled"] = Run(Accept(), new Cancel(T0)),
        ["held"] = Run(new Accept("hello", Submission, T0, ConversationId: "conversation-1", Held: true)),
        ["retried"] = Run(Accept(), ClaimEvent(HolderA), new Fail(1, "e1", 0, T0), ClaimEvent(HolderB), new Fail(2, "e2", 0, T0),
            ClaimEvent(HolderA with { Claim = Guid.NewGuid() }), new Fail(3, "e3", 0, T0), new Retry(RetryR, T0)),
    };

    /// <summary>
    /// Named events, each in the form it would arrive in the given state: the attempt it names is the current one unless
    /// "stale". "fail" in retry-waiting repeats the failure that queued it (same attempt, same error).
    /// </summary>
    private static readonly Dictionary<string, Func<MessageState?, MessageEvent>> Events = new()
    {
        ["accept-repeated"] = _ => Accept(),
        ["accept-same"] = _ => new Accept("hello", Guid.NewGuid(), T0),
        ["accept-other"] = _ => new Accept("another text", Guid.NewGuid(), T0),
        ["claim-new"] = _ => ClaimEvent(HolderB),
        ["claim-repeated"] = _ => ClaimEvent(HolderA),
        ["claim-abandoned"] = _ => new Claim(HolderB, RunningAttemptAbandoned: true, T0),
        ["complete"] = s => new Complete(s?.Attempts ?? 1, "reply", T0),
        ["complete-stale"] = s => new Complete((s?.Attempts ?? 1) - 1, "late reply", T0),
        ["fail"] = s => new Fail(s?.Attempts ?? 1, "boom", 0.5, T0),
        ["fail-stale"] = s => new Fail((s?.Attempts ?? 1) - 1, "late error", 0.5, T0),
        ["abandon"] = s => new Abandon(s?.Attempts ?? 1, "silo stopped", T0),
        ["defer"] = s => new Defer(s?.Attempts ?? 1, "rate limited", TimeSpan.FromSeconds(1), T0),
        ["defer-stale"] = s => new Defer((s?.Attempts ?? 1) - 1, "rate limited late", TimeSpan.FromSeconds(1), T0),
        ["cancel"] = _ => new Cancel(T0),
        ["retry"] = _ => new Retry(RetryS, T0),
        ["retry-repeated"] = _ => new Retry(RetryR, T0),
        ["release"] = _ => new Release(T0),
    };

    /// <summary>state, event → verdict and the status after it (null: no message).</summary>
    public static readonly TheoryData<string, string, Verdict, ChatStatus?> Table = Build(
        ("none", "accept-repeated", Verdict.Applied, ChatStatus.Queued), ("none", "accept-same", Verdict.Applied, ChatStatus.Queued),
        ("none", "accept-other", Verdict.Applied, ChatStatus.Queued),
        ("none", "claim-new", Verdict.Unknown, null), ("none", "claim-repeated", Verdict.Unknown, null),
        ("none", "claim-abandoned", Verdict.Unknown, null), ("none", "complete", Verdict.Unknown, null),
        ("none", "complete-stale", Verdict.Unknown, null), ("none", "fail", Verdict.Unknown, null),
        ("none", "fail-stale", Verdict.Unknown, null), ("none", "abandon", Verdict.Unknown, null),
        ("none", "defer", Verdict.Unknown, null), ("none", "defer-stale", Verdict.Unknown, null),
        ("none", "cancel", Verdict.Unknown, null), ("none", "retry", Verdict.Unknown, null), ("none", "retry-repeated", Verdict.Unknown, null),
        ("none", "release", Verdict.Unknown, null),

        ("queued", "accept-repeated", Verdict.Repeated, ChatStatus.Queued),
        ("queued", "accept-same", Verdict.Existing, ChatStatus.Queued), ("queued", "accept-other", Verdict.Refused, ChatStatus.Queued),
        ("queued", "claim-new", Verdict.Applied, ChatStatus.Processing), ("queued", "claim-repeated", Verdict.Applied, ChatStatus.Processing),
        ("queued", "claim-abandoned", Verdict.Applied, ChatStatus.Processing),
        ("queued", "complete", Verdict.Stale, ChatStatus.Queued), ("queued", "complete-stale", Verdict.Stale, ChatStatus.Queued),
        ("queued", "fail", Verdict.Stale, ChatStatus.Queued), ("queued", "fail-stale", Verdict.Stale, ChatStatus.Queued),
        ("queued", "abandon", Verdict.Stale, ChatStatus.Queued),
        ("queued", "defer", Verdict.Stale, ChatStatus.Queued), ("queued", "defer-stale", Verdict.Stale, ChatStatus.Queued),
        ("queued", "cancel", Verdict.Applied, ChatStatus.Cancelled),
        ("queued", "retry", Verdict.Refused, ChatStatus.Queued), ("queued", "retry-repeated", Verdict.Refused, ChatStatus.Queued),
        ("queued", "release", Verdict.Repeated, ChatStatus.Queued),

        ("processing", "accept-repeated", Verdict.Repeated, ChatStatus.Processing),
        ("processing", "accept-same", Verdict.Existing, ChatStatus.Processing), ("processing", "accept-other", Verdict.Refused, ChatStatus.Processing),
        ("processing", "claim-new", Verdict.Refused, ChatStatus.Processing),
        ("processing", "claim-repeated", Verdict.Repeated, ChatStatus.Processing),
        ("processing", "claim-abandoned", Verdict.Applied, ChatStatus.Processing),
        ("processing", "complete", Verdict.Applied, ChatStatus.Completed), ("processing", "complete-stale", Verdict.Stale, ChatStatus.Processing),
        ("processing", "fail", Verdict.Applied, ChatStatus.Queued), ("processing", "fail-stale", Verdict.Stale, ChatStatus.Processing),
        ("processing", "abandon", Verdict.Applied, ChatStatus.Queued),
        ("processing", "defer", Verdict.Applied, ChatStatus.Queued), ("processing", "defer-stale", Verdict.Stale, ChatStatus.Processing),
        ("processing", "cancel", Verdict.Applied, ChatStatus.Cancelled),
        ("processing", "retry", Verdict.Refused, ChatStatus.Processing), ("processing", "retry-repeated", Verdict.Refused, ChatStatus.Processing),
        ("processing", "release", Verdict.Repeated, ChatStatus.Processing),

        ("retry-waiting", "accept-repeated", Verdict.Repeated, ChatStatus.Queued),
        ("retry-waiting", "accept-same", Verdict.Existing, ChatStatus.Queued), ("retry-waiting", "accept-other", Verdict.Refused, ChatStatus.Queued),
        ("retry-waiting", "claim-new", Verdict.Applied, ChatStatus.Processing),
        ("retry-waiting", "claim-repeated", Verdict.Applied, ChatStatus.Processing),
        ("retry-waiting", "claim-abandoned", Verdict.Applied, ChatStatus.Processing),
        ("retry-waiting", "complete", Verdict.Stale, ChatStatus.Queued), ("retry-waiting", "complete-stale", Verdict.Stale, ChatStatus.Queued),
        ("retry-waiting", "fail", Verdict.Repeated, ChatStatus.Queued), ("retry-waiting", "fail-stale", Verdict.Stale, ChatStatus.Queued),
        ("retry-waiting", "abandon", Verdict.Stale, ChatStatus.Queued),
        ("retry-waiting", "defer", Verdict.Stale, ChatStatus.Queued), ("retry-waiting", "defer-stale", Verdict.Stale, ChatStatus.Queued),
        ("retry-waiting", "cancel", Verdict.Applied, ChatStatus.Cancelled),
        ("retry-waiting", "retry", Verdict.Refused, ChatStatus.Queued), ("retry-waiting", "retry-repeated", Verdict.Refused, ChatStatus.Queued),
        ("retry-waiting", "release", Verdict.Repeated, ChatStatus.Queued),

        ("completed", "accept-repeated", Verdict.Repeated, ChatStatus.Completed),
        ("completed", "accept-same", Verdict.Existing, ChatStatus.Completed), ("completed", "accept-other", Verdict.Refused, ChatStatus.Completed),
        ("completed", "claim-new", Verdict.Refused, ChatStatus.Completed), ("completed", "claim-repeated", Verdict.Refused, ChatStatus.Completed),
        ("completed", "claim-abandoned", Verdict.Refused, ChatStatus.Completed),
        ("completed", "complete", Verdict.Repeated, ChatStatus.Completed), ("completed", "complete-stale", Verdict.Stale, ChatStatus.Completed),
        ("completed", "fail", Verdict.Stale, ChatStatus.Completed), ("completed", "fail-stale", Verdict.Stale, ChatStatus.Completed),
        ("completed", "abandon", Verdict.Stale, ChatStatus.Completed),
        ("completed", "defer", Verdict.Stale, ChatStatus.Completed), ("completed", "defer-stale", Verdict.Stale, ChatStatus.Completed),
        ("completed", "cancel", Verdict.Refused, ChatStatus.Completed),
        ("completed", "retry", Verdict.Refused, ChatStatus.Completed), ("completed", "retry-repeated", Verdict.Refused, ChatStatus.Completed),
        ("completed", "release", Verdict.Repeated, ChatStatus.Completed),

        ("failed", "accept-repeated", Verdict.Repeated, ChatStatus.Failed),
        ("failed", "accept-same", Verdict.Existing, ChatStatus.Failed), ("failed", "accept-other", Verdict.Refused, ChatStatus.Failed),
        ("failed", "claim-new", Verdict.Refused, ChatStatus.Failed), ("failed", "claim-repeated", Verdict.Refused, ChatStatus.Failed),
        ("failed", "claim-abandoned", Verdict.Refused, ChatStatus.Failed),
        ("failed", "complete", Verdict.Stale, ChatStatus.Failed), ("failed", "complete-stale", Verdict.Stale, ChatStatus.Failed),
        ("failed", "fail", Verdict.Stale, ChatStatus.Failed), ("failed", "fail-stale", Verdict.Stale, ChatStatus.Failed),
        ("failed", "abandon", Verdict.Stale, ChatStatus.Failed),
        ("failed", "defer", Verdict.Stale, ChatStatus.Failed), ("failed", "defer-stale", Verdict.Stale, ChatStatus.Failed),
        ("failed", "cancel", Verdict.Refused, ChatStatus.Failed),
        ("failed", "retry", Verdict.Applied, ChatStatus.Queued), ("failed", "retry-repeated", Verdict.Applied, ChatStatus.Queued),
        ("failed", "release", Verdict.Repeated, ChatStatus.Failed),

        ("cancelled", "accept-repeated", Verdict.Repeated, ChatStatus.Cancelled),
        ("cancelled", "accept-same", Verdict.Existing, ChatStatus.Cancelled), ("cancelled", "accept-other", Verdict.Refused, ChatStatus.Cancelled),
        ("cancelled", "claim-new", Verdict.Refused, ChatStatus.Cancelled), ("cancelled", "claim-repeated", Verdict.Refused, ChatStatus.Cancelled),
        ("cancelled", "claim-abandoned", Verdict.Refused, ChatStatus.Cancelled),
        ("cancelled", "complete", Verdict.Stale, ChatStatus.Cancelled), ("cancelled", "complete-stale", Verdict.Stale, ChatStatus.Cancelled),
        ("cancelled", "fail", Verdict.Stale, ChatStatus.Cancelled), ("cancelled", "fail-stale", Verdict.Stale, ChatStatus.Cancelled),
        ("cancelled", "abandon", Verdict.Stale, ChatStatus.Cancelled),
        ("cancelled", "defer", Verdict.Stale, ChatStatus.Cancelled), ("cancelled", "defer-stale", Verdict.Stale, ChatStatus.Cancelled),
        ("cancelled", "cancel", Verdict.Repeated, ChatStatus.Cancelled),
        ("cancelled", "retry", Verdict.Refused, ChatStatus.Cancelled), ("cancelled", "retry-repeated", Verdict.Refused, ChatStatus.Cancelled),
        ("cancelled", "release", Verdict.Repeated, ChatStatus.Cancelled),

        ("retried", "accept-repeated", Verdict.Repeated, ChatStatus.Queued),
        ("retried", "accept-same", Verdict.Existing, ChatStatus.Queued), ("retried", "accept-other", Verdict.Refused, ChatStatus.Queued),
        ("retried", "claim-new", Verdict.Applied, ChatStatus.Processing), ("retried", "claim-repeated", Verdict.Applied, ChatStatus.Processing),
        ("retried", "claim-abandoned", Verdict.Applied, ChatStatus.Processing),
        ("retried", "complete", Verdict.Stale, ChatStatus.Queued), ("retried", "complete-stale", Verdict.Stale, ChatStatus.Queued),
        ("retried", "fail", Verdict.Stale, ChatStatus.Queued), ("retried", "fail-stale", Verdict.Stale, ChatStatus.Queued),
        ("retried", "abandon", Verdict.Stale, ChatStatus.Queued),
        ("retried", "defer", Verdict.Stale, ChatStatus.Queued), ("retried", "defer-stale", Verdict.Stale, ChatStatus.Queued),
        ("retried", "cancel", Verdict.Applied, ChatStatus.Cancelled),
        ("retried", "retry", Verdict.Repeated, ChatStatus.Queued), ("retried", "retry-repeated", Verdict.Repeated, ChatStatus.Queued),
        ("retried", "release", Verdict.Repeated, ChatStatus.Queued),

        // A conversation's message waiting for its turn: only a release, or a cancel, moves it; no other message under
        // its id is taken, whoever sends it.
        ("held", "accept-repeated", Verdict.Refused, ChatStatus.Queued),
        ("held", "accept-same", Verdict.Refused, ChatStatus.Queued), ("held", "accept-other", Verdict.Refused, ChatStatus.Queued),
        ("held", "claim-new", Verdict.Refused, ChatStatus.Queued), ("held", "claim-repeated", Verdict.Refused, ChatStatus.Queued),
        ("held", "claim-abandoned", Verdict.Refused, ChatStatus.Queued),
        ("held", "complete", Verdict.Stale, ChatStatus.Queued), ("held", "complete-stale", Verdict.Stale, ChatStatus.Queued),
        ("held", "fail", Verdict.Stale, ChatStatus.Queued), ("held", "fail-stale", Verdict.Stale, ChatStatus.Queued),
        ("held", "abandon", Verdict.Stale, ChatStatus.Queued),
        ("held", "defer", Verdict.Stale, ChatStatus.Queued), ("held", "defer-stale", Verdict.Stale, ChatStatus.Queued),
        ("held", "cancel", Verdict.Applied, ChatStatus.Cancelled),
        ("held", "retry", Verdict.Refused, ChatStatus.Queued), ("held", "retry-repeated", Verdict.Refused, ChatStatus.Queued),
        ("held", "release", Verdict.Applied, ChatStatus.Queued));

    [Theory]
    [MemberData(nameof(Table))]
    public void Every_event_from_every_state(string state, string @event, Verdict verdict, ChatStatus? status)
    {
        var before = States[state];
        var transition = MessageLifecycle.Apply(before, Events[@event](before), Policy);

        Assert.Equal(verdict, transition.Verdict);
        Assert.Equal(status, transition.State?.Status);
        if (transition.Changed)
        {
            Assert.Equal((before?.Version ?? 0) + 1, transition.State!.Version);
        }
        else
        {
            // Nothing to store: the state is exactly what it was.
            Assert.Same(before, transition.State);
        }
    }

    [Fact]
    public void The_table_covers_every_state_and_event()
    {
        var covered = Table.Select(row => ((string)row[0], (string)row[1])).ToHashSet();
        var all = States.Keys.SelectMany(state => Events.Keys.Select(@event => (state, @event))).ToHashSet();
        Assert.Equal(all.Count, Table.Count());
        Assert.True(all.SetEquals(covered), "missing: " + string.Join(", ", all.Except(covered)));
    }

    private static TheoryData<string, string, Verdict, ChatStatus?> Build(params (string, string, Verdict, ChatStatus?)[] rows)
    {
        var data = new TheoryData<string, string, Verdict, ChatStatus?>();
        foreach (var (state, @event, verdict, status) in rows)
        {
            data.Add(state, @event, verdict, status);
        }

        return data;
    }

    internal static Accept Accept() => new("hello", Submission, T0);

    internal static Claim ClaimEvent(AttemptHolder holder) => new(holder, RunningAttemptAbandoned: false, T0);

    /// <summary>Applies events in order, carrying out each outbox (as the shell does) before the next.</summary>
    internal static MessageState? Run(params MessageEvent[] events)
    {
        MessageState? state = null;
        foreach (var @event in events)
        {
            var transition = MessageLifecycle.Apply(state, @event, Policy);
            Assert.Equal(Verdict.Applied, transition.Verdict);
            state = transition.State! with { Outbox = Outbox.Empty };
        }

        return state;
    }
}
