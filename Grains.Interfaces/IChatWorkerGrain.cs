namespace Grains.Interfaces;

/// <summary>
/// A consumer of one work-stream partition. Activated by the stream itself (implicit subscription);
/// result grains call it only to stop a message it is running.
/// </summary>
[Alias("IChatWorkerGrain")]
public interface IChatWorkerGrain : IGrainWithStringKey
{
    /// <summary>Cancels the processor's token for this message if this worker is running it here.</summary>
    [Alias("CancelRunning")]
    ValueTask CancelRunning(string messageId);
}
