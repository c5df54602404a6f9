namespace Chat.Configuration;

/// <summary>Where the cluster keeps its membership (<c>Cluster:Provider</c>); the names are the configuration values.</summary>
public enum ClusterProvider
{
    /// <summary>Embedded: silos on one machine find each other through instance 0, the primary.</summary>
    Localhost,

    /// <summary>Durable: membership in Redis, so any silo may start first or leave.</summary>
    Redis,
}
