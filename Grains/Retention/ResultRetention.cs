using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Grains.Retention;

/// <summary>When a finished message, and a conversation of finished messages, stops existing (<see cref="ResultsOptions"/>).</summary>
public sealed class ResultRetention(IOptions<ResultsOptions> options)
{
    public DateTimeOffset? ExpiresAt(MessageState state) =>
        state.IsTerminal && state.CompletedAt is { } ended ? ended + RetentionOf(state.Status) : null;

    /// <summary>A conversation lasts until the last of its messages has expired; while one is unfinished, or it has none, it stays.</summary>
    public DateTimeOffset? ExpiresAt(IReadOnlyCollection<ConversationEntry> messages) =>
        messages.Count > 0 && messages.All(entry => entry is { IsTerminal: true, CompletedAt: not null })
            ? messages.Max(entry => entry.CompletedAt!.Value + RetentionOf(entry.Status))
            : null;

    public static bool HasExpired(DateTimeOffset? expiresAt, DateTimeOffset now) => expiresAt is { } at && at <= now;

    /// <summary>
    /// Drops the stored record. The store may have dropped it already (its key expired, a sweep): then the clear
    /// finds an ETag it does not expect, and reading again gives what is stored now, which is nothing.
    /// </summary>
    public static async Task ForgetAsync<T>(IPersistentState<T> state)
    {
        try
        {
            await state.ClearStateAsync();
        }
        catch (InconsistentStateException)
        {
            await state.ReadStateAsync();
        }
    }

    private TimeSpan RetentionOf(ChatStatus status) => status == ChatStatus.Failed ? options.Value.FailedRetention : options.Value.Retention;
}
