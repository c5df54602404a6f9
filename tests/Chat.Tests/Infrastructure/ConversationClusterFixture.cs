namespace Chat.Tests.Infrastructure;

/// <summary>
/// Three silos whose processor is the scripted one, which records what each call was sent, so a test sees the history
/// that reached the backend and can hold a reply until it releases it. Histories are trimmed at 4 messages, and a
/// failure is final at once. Faults can be injected into grain calls.
/// </summary>
public sealed class ConversationClusterFixture : ChatClusterFixture
{
    public const int MaxHistoryMessages = 4;

    // Its tests hold replies and cancel conversations mid-reply: a graceful stop would wait out what they left running
    // (in one CI run the stop ran past the cluster's limit and failed the collection's cleanup).
    protected override bool StopGracefully => false;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
        ["Processing:MaxAttempts"] = "1",
        ["Test:InjectedFaults"] = "on",
        ["Conversations:MaxHistoryMessages"] = MaxHistoryMessages.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class ConversationClusterCollection : ICollectionFixture<ConversationClusterFixture>
{
    public const string Name = "three-silo scripted cluster for conversations";
}
