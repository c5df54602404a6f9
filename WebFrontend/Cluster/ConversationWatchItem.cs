namespace WebFrontend.Cluster;

/// <summary>One thing a conversation's watch passes on, with the position a client resumes from after it.</summary>
public sealed record ConversationWatchItem(WatchItem Item, ConversationPosition Position);
