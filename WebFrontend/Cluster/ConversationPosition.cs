using System.Globalization;

namespace WebFrontend.Cluster;

/// <summary>
/// Where a conversation's event stream stands, and the id of each of its events: <c>{message}:{seq}</c>, the
/// message's place in the conversation (from 1) and the last piece of its reply passed on. A message's final
/// <c>result</c> event names the start of the next message, so a client that resumes after it is not sent that
/// message again.
/// </summary>
public readonly record struct ConversationPosition(int Message, long Seq)
{
    /// <summary>The start of the conversation: what a client with no Last-Event-ID gets.</summary>
    public static ConversationPosition Start { get; } = new(1, 0);

    public string EventId => $"{Message.ToString(CultureInfo.InvariantCulture)}:{Seq.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string? eventId, out ConversationPosition position)
    {
        position = Start;
        if (string.IsNullOrEmpty(eventId))
        {
            return true;
        }

        var parts = eventId.Split(':');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var message) && message >= 1
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            position = new ConversationPosition(message, seq);
            return true;
        }

        return false;
    }
}
