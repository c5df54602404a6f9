namespace Chat.Tests.Infrastructure;

/// <summary>Tests that share the default three-silo cluster and frontend.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ChatClusterFixture>
{
    public const string Name = "three-silo cluster";
}
