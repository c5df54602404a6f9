using Grains.Interfaces;

namespace Grains.Lifecycle;

/// <summary>
/// One message as the lifecycle sees it: immutable, so a transition is a function from one value to the next.
/// <see cref="Outbox"/> holds the durable effects of the last transition that have not been carried out yet.
/// </summary>
public sealed record MessageState
{
    public required string Message { get; init; }

    public ChatStatus Status { get; init; }

    public string? Reply { get; init; }

    public string? Error { get; init; }

    /// <summary>Attempts ever started, across every round.</summary>
    public int Attempts { get; init; }

    /// <summary>
    /// Attempts that do not count toward the current round's limit: those of earlier rounds (a manual retry starts a
    /// new round with a fresh allowance), and those abandoned through no fault of the message (cut off by a stopping
    /// silo, or taken over from a dead one).
    /// </summary>
    public int RoundStartAttempts { get; init; }

    /// <summary>Who runs (or last ran) the message: set by a claim, kept afterwards to show where it ran.</summary>
    public AttemptHolder? Holder { get; init; }

    public DateTimeOffset EnqueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Grows with every change, so watchers can order what they hear.</summary>
    public long Version { get; init; }

    /// <summary>The submission that created the message, so the same request repeated gets the same answer.</summary>
    public Guid AcceptRequest { get; init; }

    /// <summary>The manual retry that started the current round, so the same request repeated gets the same answer.</summary>
    public Guid? RetryRequest { get; init; }

    public Outbox Outbox { get; init; } = Outbox.Empty;

    /// <summary>The backend the client asked for (the default resolved): what a resubmission is compared with.</summary>
    public string RequestedBackend { get; init; } = BackendNames.Echo;

    /// <summary>The backend the message is queued for now: the requested one, or a fallback once that failed every attempt.</summary>
    public string Backend { get; init; } = BackendNames.Echo;

    /// <summary>What the backend that answered reported: its model, and the tokens it counted. Null when it said nothing.</summary>
    public string? Model { get; init; }

    public int? InputTokens { get; init; }

    public int? OutputTokens { get; init; }

    /// <summary>Attempts in a row the backend turned away for now (rate limited); bounded, so one that always does ends.</summary>
    public int Deferrals { get; init; }

    /// <summary>
    /// The W3C traceparent of the request that queued the current round (the submission, or a manual retry), carried
    /// in every work item published for it; null when nobody traces.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The conversation the message belongs to (null for a message on its own).</summary>
    public string? ConversationId { get; init; }

    /// <summary>
    /// Queued but not handed to the work stream: an earlier message of its conversation has not ended yet. A release
    /// publishes it; until then no worker sees it.
    /// </summary>
    public bool Held { get; init; }

    /// <summary>Where the submission asked to be told the outcome, besides the configured webhooks (null: nowhere).</summary>
    public string? CallbackUrl { get; init; }

    public int AttemptsThisRound => Attempts - RoundStartAttempts;

    public bool IsTerminal => Status is ChatStatus.Completed or ChatStatus.Failed or ChatStatus.Cancelled;
}

/// <summary>The claim that started the running attempt, and where it runs.</summary>
/// <param name="Claim">The worker's id for this claim: a claim repeated after a lost answer gets the same attempt.</param>
/// <param name="Worker">The worker grain's key, to stop the attempt on cancel.</param>
/// <param name="Silo">The silo's endpoint as clients see it.</param>
/// <param name="SiloAddress">The silo's parsable address, generation included, to tell whether it is still alive.</param>
public sealed record AttemptHolder(Guid Claim, string Worker, string Silo, string SiloAddress);
