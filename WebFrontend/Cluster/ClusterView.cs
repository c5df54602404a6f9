using System.Net;
using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using WebFrontend.Model;

namespace WebFrontend.Cluster;

/// <summary>
/// Builds the cluster picture: which silos are alive comes from Orleans membership, what each did
/// comes from the counters the silos themselves report to the cluster load grain.
/// </summary>
public sealed class ClusterView(ClusterCaller cluster, IOptions<ClusterConnectionOptions> options)
{
    private readonly HashSet<string> _gateways = options.Value.GatewayEndpoints().Select(endpoint => endpoint.ToString()).ToHashSet();

    private readonly bool _gatewaysFromMembership = options.Value.Provider == ClusterProvider.Redis;

    // With Redis membership the frontend may use every silo's gateway; otherwise only the configured ones.
    private bool IsFrontendGateway(int proxyPort, string gateway) =>
        proxyPort > 0 && (_gatewaysFromMembership || _gateways.Contains(gateway));

    public async Task<ClusterResponse> SnapshotAsync(CancellationToken cancellationToken)
    {
        var hosts = await cluster.CallAsync(grains => grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true), cancellationToken);
        var load = await cluster.CallAsync(grains => grains.GetGrain<IClusterLoadGrain>(0).GetLoad().AsTask(), cancellationToken);
        var addresses = hosts.Select(host => host.SiloAddress).ToArray();
        var runtime = await cluster.CallAsync(grains => grains.GetGrain<IManagementGrain>(0).GetRuntimeStatistics(addresses), cancellationToken);
        var statistics = addresses.Zip(runtime).ToDictionary(pair => pair.First, pair => pair.Second);

        var latestBySilo = load.Silos
            .GroupBy(silo => silo.Report.Silo)
            .ToDictionary(group => group.Key, group => group.MaxBy(silo => silo.LastReportAt)!);

        var silos = hosts
            .OrderBy(host => host.SiloAddress)
            .Select(host =>
            {
                var address = host.SiloAddress.Endpoint.ToString();
                var gateway = new IPEndPoint(host.SiloAddress.Endpoint.Address, host.ProxyPort).ToString();
                latestBySilo.TryGetValue(address, out var work);
                statistics.TryGetValue(host.SiloAddress, out var runtimeStatistics);
                var report = work?.Report;
                return new SiloResponse(
                    address,
                    host.SiloName,
                    host.Status.ToString().ToLowerInvariant(),
                    new DateTimeOffset(DateTime.SpecifyKind(host.StartTime, DateTimeKind.Utc)),
                    IsFrontendGateway(host.ProxyPort, gateway),
                    (report?.Completed ?? 0) + (report?.Failed ?? 0),
                    report?.Completed ?? 0,
                    report?.Failed ?? 0,
                    report?.InFlight ?? 0,
                    report?.Pending ?? 0,
                    Math.Round(work?.CompletedPerSecond ?? 0, 1),
                    runtimeStatistics?.ActivationCount,
                    runtimeStatistics?.EnvironmentStatistics.FilteredMemoryUsageBytes);
            })
            .ToList();

        // Totals include silos that have left: the work they did still counts.
        var reports = load.Silos.Select(silo => silo.Report).ToList();
        var totals = new ClusterTotals(
            reports.Sum(r => r.Completed + r.Failed),
            reports.Sum(r => r.Completed),
            reports.Sum(r => r.Failed),
            silos.Sum(s => s.InFlight),
            silos.Sum(s => s.Pending),
            Math.Round(load.CompletedPerSecond, 1));
        return new ClusterResponse(silos, totals, load.Backlog, DateTimeOffset.UtcNow);
    }
}
