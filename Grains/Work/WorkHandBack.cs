using Grains.Interfaces;
using Grains.Streams;

namespace Grains.Work;

/// <summary>
/// Gives back to the stream what a worker received and never started, when it stops or moves to another silo.
/// </summary>
public sealed class WorkHandBack(WorkStream stream, WorkAcknowledgement acknowledgement)
{
    private static readonly TimeSpan HandBackLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Publishes unstarted deliveries again, then acknowledges the old entries: if this silo dies in between, a
    /// message is delivered twice (a claim makes that harmless), never lost.
    /// </summary>
    public async Task HandBackAsync(string partitionKey, IReadOnlyList<ReceivedWork> unstarted)
    {
        await Task.WhenAll(unstarted.Select(work => PublishPersistentlyAsync(work.Item, partitionKey)));
        await Task.WhenAll(unstarted.Select(work => acknowledgement.AcknowledgeAsync(partitionKey, work)));
    }

    /// <summary>
    /// A hand-back comes right after a silo left, when the stream's queue may still be addressed on the dead silo for a
    /// moment: a failed publish is tried again, for up to <see cref="HandBackLimit"/>, rather than dropping a message
    /// that nothing else would put back on the stream.
    /// </summary>
    private async Task PublishPersistentlyAsync(ChatWorkItem item, string partitionKey)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                await stream.PublishAsync(item, partitionKey);
                return;
            }
            catch (Exception) when (TimeProvider.System.GetElapsedTime(started) + delay < HandBackLimit)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }
}
