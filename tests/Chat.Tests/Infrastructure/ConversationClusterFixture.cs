namespace Chat.Tests.Infrastructure;

/// <summary>
/// Three silos whose processor is the scripted one, which records what each call was sent, so a test sees the history
/// that reached the backend and can hold a reply until it releases it. Histories are trimmed at 4 messages, and a
/// failure is final at once.
/// </summary>
public sealed class ConversationClusterFixture : ChatClusterFixture
{
    public const int MaxHistoryMessages = 4;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
        ["Processing:MaxAttempts"] = "1",
        ["Conversations:MaxHistoryMessages"] = MaxHistoryMessages.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class ConversationClusterCollection : ICollectionFixture<ConversationClusterFixture>
{
    public const string Name = "three-silo scripted cluster for conversations";
}
