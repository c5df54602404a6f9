namespace Chat.Tests.Infrastructure;

/// <summary>
/// Three silos whose processor is the scripted one, so a test can hold a message in <c>processing</c> until
/// it has seen that state, then release it.
/// </summary>
public sealed class ScriptedClusterFixture : ChatClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
    };
}

[CollectionDefinition(Name)]
public sealed class ScriptedClusterCollection : ICollectionFixture<ScriptedClusterFixture>
{
    public const string Name = "three-silo scripted cluster";
}
