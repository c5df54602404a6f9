namespace Grains.Interfaces;

/// <summary>One message's persistent record, keyed by the message id. The single source of truth for its outcome.</summary>
[Alias("IChatResultGrain")]
public interface IChatResultGrain : IGrainWithStringKey
{
    /// <summary>Stores the message as queued (if new) and publishes it to the given work-stream partition.</summary>
    [Alias("Accept")]
    ValueTask<SubmitOutcome> Accept(string message, int partition);

    /// <summary>The current snapshot, or null when no message was ever accepted under this id.</summary>
    [Alias("Get")]
    ValueTask<ChatResult?> Get();

    /// <summary>
    /// Claims the message for one processing attempt. Returns the attempt number, or null when the
    /// message is not waiting to be processed (already running, finished or cancelled).
    /// </summary>
    [Alias("TryStart")]
    ValueTask<int?> TryStart(string worker, string silo);

    /// <summary>Records the reply of the given attempt. Ignored unless that attempt is the one running.</summary>
    [Alias("Complete")]
    ValueTask<bool> Complete(int attempt, string reply);

    /// <summary>Records the error of the given attempt. Ignored unless that attempt is the one running.</summary>
    [Alias("Fail")]
    ValueTask<bool> Fail(int attempt, string error);
}
