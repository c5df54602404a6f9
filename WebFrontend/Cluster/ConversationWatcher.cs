using System.Runtime.CompilerServices;
using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// Follows every message of a conversation, one after another as they run: each message's watch from
/// <see cref="ResultWatcher"/> (its state, the pieces of its reply, its end), then the next one once it is posted. The
/// stream lasts as long as the conversation; it ends when the conversation is deleted, or when a message's watch ends
/// before its message did (a reader too slow to keep up), so the client reconnects.
/// </summary>
public sealed class ConversationWatcher(ClusterCaller cluster, ResultWatcher results)
{
    /// <summary>How long one call waits for a new message: well within a grain call's timeout.</summary>
    private static readonly TimeSpan WaitForMessage = TimeSpan.FromSeconds(5);

    /// <summary>Null when no conversation has this id.</summary>
    public async Task<IAsyncEnumerable<WatchItem>?> WatchAsync(string id, CancellationToken cancellationToken)
    {
        var messages = await WaitForMessagesAsync(id, -1, TimeSpan.Zero, cancellationToken);
        return messages is null ? null : FollowAsync(id, messages, cancellationToken);
    }

    private async IAsyncEnumerable<WatchItem> FollowAsync(
        string id, string[] messages, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            // Messages run in order, so following them in order passes every event on as it happens.
            for (; next < messages.Length; next++)
            {
                var items = await results.WatchAsync(messages[next], 0, cancellationToken);
                WatchItem? last = null;
                if (items is not null)
                {
                    await foreach (var item in items.WithCancellation(cancellationToken))
                    {
                        last = item.Result is null ? last : item;
                        yield return item;
                    }
                }

                if (items is not null && last?.Result?.IsTerminal != true)
                {
                    yield break;
                }
            }

            var latest = await WaitForMessagesAsync(id, messages.Length, WaitForMessage, cancellationToken);
            if (latest is null)
            {
                yield break;
            }

            messages = latest;
        }
    }

    private Task<string[]?> WaitForMessagesAsync(string id, int known, TimeSpan wait, CancellationToken cancellationToken) =>
        cluster.CallAsync(grains => grains.GetGrain<IConversationGrain>(id).WaitForMessages(known, wait).AsTask(), cancellationToken);
}
