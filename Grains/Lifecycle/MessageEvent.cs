using Grains.Interfaces;

namespace Grains.Lifecycle;

/// <summary>Something that happens to a message. <see cref="At"/> is when, as the caller's clock says.</summary>
public abstract record MessageEvent(DateTimeOffset At);

/// <summary>
/// A client submits the message for <paramref name="Backend"/>; <paramref name="Request"/> identifies the request
/// across repeats. A message of a conversation names it; <paramref name="Held"/>: an earlier message of that
/// conversation has not ended, so this one waits for a <see cref="Release"/> before it is handed to the stream.
/// <paramref name="TraceParent"/> is its trace context, if it is traced; <paramref name="CallbackUrl"/> where to tell its outcome.
/// </summary>
public sealed record Accept(
    string Message, Guid Request, DateTimeOffset At, string Backend = BackendNames.Echo, string? ConversationId = null, bool Held = false,
    string? TraceParent = null, string? CallbackUrl = null)
    : MessageEvent(At);

/// <summary>The message's turn in its conversation has come: a held message is handed to the stream. Repeat-safe.</summary>
public sealed record Release(DateTimeOffset At) : MessageEvent(At);

/// <summary>
/// A worker asks to run the message. <paramref name="RunningAttemptAbandoned"/>: the shell found that the attempt
/// now running will never report (its silo is dead, or it outlived its limit), so it may be taken over.
/// </summary>
public sealed record Claim(AttemptHolder Holder, bool RunningAttemptAbandoned, DateTimeOffset At) : MessageEvent(At);

/// <summary>The attempt numbered <paramref name="Attempt"/> replied; the model and token counts are what the backend reported.</summary>
public sealed record Complete(int Attempt, string Reply, DateTimeOffset At, string? Model = null, int? InputTokens = null, int? OutputTokens = null)
    : MessageEvent(At);

/// <summary>The attempt failed. <paramref name="Jitter"/> in [0, 1) picks the retry delay within its range.</summary>
public sealed record Fail(int Attempt, string Error, double Jitter, DateTimeOffset At) : MessageEvent(At);

/// <summary>The backend turned the attempt away for now (rate limited): run it again once <paramref name="Wait"/> has passed.</summary>
public sealed record Defer(int Attempt, string Reason, TimeSpan Wait, DateTimeOffset At) : MessageEvent(At);

/// <summary>The attempt was cut off through no fault of the message (its silo is stopping): run it again at once.</summary>
public sealed record Abandon(int Attempt, string Reason, DateTimeOffset At) : MessageEvent(At);

/// <summary>A client cancels the message.</summary>
public sealed record Cancel(DateTimeOffset At) : MessageEvent(At);

/// <summary>
/// A client asks for a failed message to run again; <paramref name="Request"/> identifies the request across repeats;
/// <paramref name="TraceParent"/> is its trace context, if it is traced.
/// </summary>
public sealed record Retry(Guid Request, DateTimeOffset At, string? TraceParent = null) : MessageEvent(At);
