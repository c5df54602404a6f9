using System.Runtime.CompilerServices;
using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// Follows every message of a conversation, one after another as they run: each message's watch from
/// <see cref="ResultWatcher"/> (its state, the pieces of its reply, its end), then the next one once it is posted. The
/// stream lasts as long as the conversation; it ends when the conversation is deleted, or when a message's watch ends
/// before its message did (a reader too slow to keep up), so the client reconnects from the id of the last event it
/// got (<see cref="ConversationPosition"/>).
/// </summary>
public sealed class ConversationWatcher(ClusterCaller cluster, ResultWatcher results)
{
    /// <summary>How long one call waits for a new message: well within a grain call's timeout.</summary>
    private static readonly TimeSpan WaitForMessage = TimeSpan.FromSeconds(5);

    /// <summary>Null when no conversation has this id. <paramref name="from"/>: where the client's last event left off.</summary>
    public async Task<IAsyncEnumerable<ConversationWatchItem>?> WatchAsync(string id, ConversationPosition from, CancellationToken cancellationToken)
    {
        var messages = await WaitForMessagesAsync(id, -1, TimeSpan.Zero, cancellationToken);
        return messages is null ? null : FollowAsync(id, messages, from, cancellationToken);
    }

    private async IAsyncEnumerable<ConversationWatchItem> FollowAsync(
        string id, string[] messages, ConversationPosition from, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A client ahead of the conversation (an id from a conversation of the same name, since deleted) waits for
        // the next message like one that has seen them all.
        var next = Math.Min(from.Message - 1, messages.Length);
        var afterSeq = next == from.Message - 1 ? from.Seq : 0;
        while (true)
        {
            // Messages run in order, so following them in order passes every event on as it happens.
            for (; next < messages.Length; next++, afterSeq = 0)
            {
                var items = await results.WatchAsync(messages[next], afterSeq, cancellationToken);
                WatchItem? last = null;
                var seen = afterSeq;
                if (items is not null)
                {
                    await foreach (var item in items.WithCancellation(cancellationToken))
                    {
                        last = item.Result is null ? last : item;
                        seen = item.Delta?.Seq ?? seen;
                        var position = item.Result?.IsTerminal == true ? new ConversationPosition(next + 2, 0) : new ConversationPosition(next + 1, seen);
                        yield return new ConversationWatchItem(item, position);
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
