using Grains.Interfaces;
using Grains.Retention;

namespace Grains.Conversations;

/// <summary>What a conversation grain stores. Field ids are the storage format: add new ones, never reuse one.</summary>
[GenerateSerializer, Alias("ConversationState")]
public sealed class ConversationState : IExpiringState
{
    /// <summary>Resolved when the conversation was created, so every message goes to the same backend.</summary>
    [Id(0)] public string Backend { get; set; } = "";
    [Id(1)] public string? System { get; set; }

    /// <summary>In the order they were posted; an entry's outcome is recorded once its message has ended.</summary>
    [Id(2)] public List<ConversationEntry> Messages { get; set; } = [];

    /// <summary>A delete under way: an activation that finds it set finishes the delete before anything else.</summary>
    [Id(3)] public bool Deleting { get; set; }

    /// <summary>When the last of its messages expires, after which the conversation is gone too; null while one runs.</summary>
    [Id(4)] public DateTimeOffset? ExpiresAt { get; set; }
}
