using Grains.Results;
using Grains.Retention;

namespace Grains;

public sealed partial class ChatResultGrain
{
    /// <summary>
    /// Past its retention a finished message answers as if it never was, and its record leaves storage even where the
    /// store has not dropped it yet; the reply's seq keeps counting up, so a watcher never sees numbers repeat.
    /// </summary>
    private async ValueTask ForgetIfExpiredAsync()
    {
        if (_current is null || !ResultRetention.HasExpired(retention.ExpiresAt(_current), clock.GetUtcNow()))
        {
            return;
        }

        await effects.ForgetAsync(Id, _current);
        await ResultRetention.ForgetAsync(state);
        _current = null;
        _clearedOutboxUnstored = false;
        _reply = new ReplyStream(Id, _reply.LastSeq);
    }
}
