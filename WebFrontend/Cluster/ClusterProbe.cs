namespace WebFrontend.Cluster;

/// <summary>The one cheap round trip that says the frontend reaches the cluster: GET /health and /health/ready both use it.</summary>
public static class ClusterProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The silos the cluster considers active, as the management grain lists them.</summary>
    public static async Task<int> ActiveSilosAsync(IClusterClient client, CancellationToken cancellationToken)
    {
        var silos = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(Timeout, cancellationToken);
        return silos.Count;
    }
}
