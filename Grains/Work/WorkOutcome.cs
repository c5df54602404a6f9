namespace Grains.Work;

/// <summary>How one attempt ended, as the silo's counters see it.</summary>
public enum WorkOutcome
{
    Completed,

    /// <summary>Failed for good: the message is a dead letter.</summary>
    Failed,

    /// <summary>Failed, and queued again after a backoff.</summary>
    Retrying,

    Cancelled,

    /// <summary>Cut off by the silo stopping; queued again at once.</summary>
    Abandoned,

    /// <summary>The attempt was taken over or the message ended meanwhile: its outcome was ignored.</summary>
    Superseded,

    /// <summary>The outcome could not be recorded; the stream delivers the message again after the lease.</summary>
    Unrecorded,
}
