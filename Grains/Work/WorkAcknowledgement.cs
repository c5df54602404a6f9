using Grains.Streams;
using Microsoft.Extensions.Logging;

namespace Grains.Work;

/// <summary>
/// Tells the work stream a delivery is spent: its message has ended, or was handed on. In durable mode that
/// acknowledges the stream entry; until then the entry is delivered again after the lease, which is what brings
/// back the work of a silo that died. Memory streams have nothing to acknowledge, so no acknowledger is registered.
/// </summary>
public sealed partial class WorkAcknowledgement(ILogger<WorkAcknowledgement> logger, IWorkStreamAcknowledger? stream = null)
{
    public async Task AcknowledgeAsync(string partitionKey, ReceivedWork work)
    {
        if (stream is null)
        {
            return;
        }

        try
        {
            await stream.AcknowledgeAsync(ChatStreams.PartitionStream(partitionKey), work.Token);
        }
        catch (Exception exception)
        {
            // Harmless: the entry comes back after the lease, and its ended message is then just acknowledged.
            LogFailed(logger, exception, work.Item.Id);
        }
    }

    /// <summary>The stream entry a delivery came from, when the stream can deliver one entry twice; null otherwise.</summary>
    public string? EntryOf(ReceivedWork work) => stream?.EntryOf(work.Token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not acknowledge the stream entry of message {Id}; it will be delivered again after the lease")]
    private static partial void LogFailed(ILogger logger, Exception exception, string id);
}
