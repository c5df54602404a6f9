namespace Grains.Lifecycle;

/// <summary>How the lifecycle answered an event.</summary>
public enum Verdict
{
    /// <summary>The event changed the message.</summary>
    Applied,

    /// <summary>The event had already been applied (a repeat): the caller gets the answer it got the first time.</summary>
    Repeated,

    /// <summary>The event comes from an attempt that is no longer running: ignored.</summary>
    Stale,

    /// <summary>A new request for what already exists: the same message submitted again under its id.</summary>
    Existing,

    /// <summary>The message's status does not allow the event.</summary>
    Refused,

    /// <summary>No message exists under this id.</summary>
    Unknown,
}

/// <summary>
/// The result of applying one event: the new state (null only while no message exists) and what the shell must do
/// besides storing it. Durable effects travel in <see cref="MessageState.Outbox"/>; the ones here are best effort.
/// </summary>
/// <param name="RetryAfter">A failed attempt that will be retried: the backoff before it may run.</param>
/// <param name="StopWorker">Stop the attempt running on this worker (the message was cancelled while running).</param>
public sealed record Transition(MessageState? State, Verdict Verdict, TimeSpan? RetryAfter = null, string? StopWorker = null)
{
    /// <summary>Whether the state changed and must be stored (and watchers told).</summary>
    public bool Changed => Verdict == Verdict.Applied;
}
