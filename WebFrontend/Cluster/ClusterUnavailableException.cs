namespace WebFrontend.Cluster;

/// <summary>The cluster stayed unreachable for the whole retry window; answered as 503.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
