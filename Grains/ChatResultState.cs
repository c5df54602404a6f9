using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Retention;

namespace Grains;

/// <summary>
/// What a result grain stores: <see cref="MessageState"/> in a form whose field ids are the storage format (add new
/// ids, never reuse one), so results stored by an earlier version still load.
/// </summary>
[GenerateSerializer, Alias("ChatResultState")]
public sealed class ChatResultState : IExpiringState
{
    [Id(0)] public string Message { get; set; } = "";
    [Id(1)] public ChatStatus Status { get; set; }
    [Id(2)] public string? Reply { get; set; }
    [Id(3)] public string? Error { get; set; }
    [Id(4)] public int Attempts { get; set; }
    [Id(5)] public string? Silo { get; set; }
    [Id(6)] public string? Worker { get; set; }
    [Id(7)] public DateTimeOffset EnqueuedAt { get; set; }
    [Id(8)] public DateTimeOffset? StartedAt { get; set; }
    [Id(9)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(10)] public long Version { get; set; }
    [Id(11)] public int RoundStartAttempts { get; set; }
    [Id(12)] public string? SiloAddress { get; set; }
    [Id(13)] public Guid Claim { get; set; }
    [Id(14)] public Guid? RetryRequest { get; set; }
    [Id(15)] public bool OutboxPublish { get; set; }
    [Id(16)] public DateTimeOffset? OutboxNotBefore { get; set; }
    [Id(17)] public int OutboxDeadLetter { get; set; }
    [Id(18)] public Guid AcceptRequest { get; set; }
    [Id(19)] public string? RequestedBackend { get; set; }
    [Id(20)] public string? Backend { get; set; }
    [Id(21)] public string? Model { get; set; }
    [Id(22)] public int? InputTokens { get; set; }
    [Id(23)] public int? OutputTokens { get; set; }
    [Id(24)] public int Deferrals { get; set; }

    /// <summary>
    /// The reply deltas' seq counter when this was stored, or while an attempt runs a reservation above it (see
    /// <see cref="Results.ReplyStream"/>); not part of the lifecycle.
    /// </summary>
    [Id(25)] public long ReplySeq { get; set; }

    [Id(28)] public string? TraceParent { get; set; }

    [Id(26)] public string? ConversationId { get; set; }

    /// <summary>
    /// <see cref="MessageState.Held"/> (1) and <see cref="Outbox.NotifyConversation"/> (2) as flags: one field, since a
    /// held message has not ended and an ended one is never held.
    /// </summary>
    [Id(27)] public int ConversationFlags { get; set; }

    /// <summary>When the finished message stops existing, by the retention in force when it ended; null while it runs.</summary>
    [Id(29)] public DateTimeOffset? ExpiresAt { get; set; }

    [Id(30)] public string? CallbackUrl { get; set; }

    [Id(31)] public bool OutboxNotifyWebhooks { get; set; }

    private const int HeldFlag = 1;
    private const int NotifyFlag = 2;

    public MessageState ToLifecycle() => new()
    {
        Message = Message,
        Status = Status,
        Reply = Reply,
        Error = Error,
        Attempts = Attempts,
        RoundStartAttempts = RoundStartAttempts,
        Holder = Worker is null ? null : new AttemptHolder(Claim, Worker, Silo ?? "", SiloAddress ?? ""),
        EnqueuedAt = EnqueuedAt,
        StartedAt = StartedAt,
        CompletedAt = CompletedAt,
        Version = Version,
        AcceptRequest = AcceptRequest,
        RetryRequest = RetryRequest,
        Outbox = new Outbox(OutboxPublish, OutboxNotBefore, (DeadLetterChange)OutboxDeadLetter, (ConversationFlags & NotifyFlag) != 0, OutboxNotifyWebhooks),
        // Results stored before backends existed were all echo's.
        RequestedBackend = RequestedBackend ?? BackendNames.Echo,
        Backend = Backend ?? BackendNames.Echo,
        Model = Model,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        Deferrals = Deferrals,
        TraceParent = TraceParent,
        ConversationId = ConversationId,
        Held = (ConversationFlags & HeldFlag) != 0,
        CallbackUrl = CallbackUrl,
    };

    public static ChatResultState From(MessageState state) => new()
    {
        Message = state.Message,
        Status = state.Status,
        Reply = state.Reply,
        Error = state.Error,
        Attempts = state.Attempts,
        RoundStartAttempts = state.RoundStartAttempts,
        Claim = state.Holder?.Claim ?? Guid.Empty,
        Worker = state.Holder?.Worker,
        Silo = state.Holder?.Silo,
        SiloAddress = state.Holder?.SiloAddress,
        EnqueuedAt = state.EnqueuedAt,
        StartedAt = state.StartedAt,
        CompletedAt = state.CompletedAt,
        Version = state.Version,
        AcceptRequest = state.AcceptRequest,
        RetryRequest = state.RetryRequest,
        OutboxPublish = state.Outbox.Publish,
        OutboxNotBefore = state.Outbox.NotBefore,
        OutboxDeadLetter = (int)state.Outbox.DeadLetter,
        RequestedBackend = state.RequestedBackend,
        Backend = state.Backend,
        Model = state.Model,
        InputTokens = state.InputTokens,
        OutputTokens = state.OutputTokens,
        Deferrals = state.Deferrals,
        TraceParent = state.TraceParent,
        ConversationId = state.ConversationId,
        ConversationFlags = (state.Held ? HeldFlag : 0) | (state.Outbox.NotifyConversation ? NotifyFlag : 0),
        CallbackUrl = state.CallbackUrl,
        OutboxNotifyWebhooks = state.Outbox.NotifyWebhooks,
    };
}
