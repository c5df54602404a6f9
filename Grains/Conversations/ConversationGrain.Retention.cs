using Grains.Retention;

namespace Grains.Conversations;

public sealed partial class ConversationGrain
{
    /// <summary>All its messages have expired: the conversation is gone with them, whether or not the store has dropped it yet.</summary>
    private bool Expired => state.RecordExists && ResultRetention.HasExpired(state.State.ExpiresAt, clock.GetUtcNow());

    /// <summary>Every write carries when the conversation expires, so the store can drop it then (a Redis key's expiry).</summary>
    private Task WriteAsync()
    {
        state.State.ExpiresAt = retention.ExpiresAt(Messages);
        return state.WriteStateAsync();
    }

    /// <summary>An expired record is dropped before the id is used again, so the new conversation does not inherit it.</summary>
    private async Task ForgetIfExpiredAsync()
    {
        if (Expired)
        {
            await ResultRetention.ForgetAsync(state);
        }
    }
}
