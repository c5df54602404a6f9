using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Chat.Tests;

/// <summary>
/// TLS between silos and from the frontend to the gateways, with a certificate the test makes: a cluster of real
/// processes that share one certificate (PEM, key in the same file) serves messages, while a client without TLS, or
/// with TLS and a certificate the cluster does not trust, cannot join.
/// </summary>
public sealed class TlsClusterTests : IAsyncLifetime
{
    private const int Silos = 2;
    private readonly string _directory = Directory.CreateTempSubdirectory("chat-tls-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_tls_cluster_serves_messages_and_refuses_clients_without_tls_or_with_an_untrusted_certificate()
    {
        using var clusterCertificate = SelfSigned("CN=chat-cluster");
        var pem = Path.Combine(_directory, "cluster.pem");
        using (var key = clusterCertificate.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(pem, clusterCertificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
        }

        var serviceId = $"tls-{Guid.NewGuid():N}";
        await using var cluster = await ProcessCluster.StartAsync("tls", redis: null, Silos, new Dictionary<string, string>
        {
            ["Tls__CertificatePath"] = pem,
            ["Cluster__ServiceId"] = serviceId,
        });

        // Silo 1 joined silo 0 and the frontend reached both gateways, all over TLS; messages go through all of it.
        var ids = ChatApiBatchExtensions.NewIds("tls", 24);
        await cluster.Api.SubmitAll(ids);
        var results = await cluster.Api.WaitForAllCompleted(ids);
        Assert.Equal(
            [cluster.SiloEndpoint(0), cluster.SiloEndpoint(1)],
            results.Select(result => result.GetProperty("silo").GetString()).Distinct().Order(StringComparer.Ordinal));

        var withoutTls = await Record.ExceptionAsync(() => ConnectAsync(cluster, serviceId, certificate: null));
        AssertRefused(withoutTls);

        using var stranger = SelfSigned("CN=chat-cluster");
        var untrusted = await Record.ExceptionAsync(() => ConnectAsync(cluster, serviceId, stranger));
        AssertRefused(untrusted);

        // The same client with the cluster's certificate joins: the refusals above were TLS's.
        await ConnectAsync(cluster, serviceId, clusterCertificate);
    }

    /// <summary>The client's start failed because its connection to the gateways failed, not because the test gave up waiting.</summary>
    private static void AssertRefused(Exception? failure)
    {
        Assert.NotNull(failure);
        Assert.False(failure is TimeoutException, $"Expected the gateways to refuse the connection; the client was still waiting:\n{failure}");
        Assert.IsAssignableFrom<OrleansException>(failure);
    }

    /// <summary>An Orleans client of the cluster's gateways, trying each once; starting it succeeds only once it has joined.</summary>
    private static async Task ConnectAsync(ProcessCluster cluster, string serviceId, X509Certificate2? certificate)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(Enumerable.Range(0, Silos).Select(cluster.GatewayEndpoint).ToArray());
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = "tls";
                options.ServiceId = serviceId;
            });
            if (certificate is not null)
            {
                // It trusts any server: what is tested is whether the cluster trusts it.
                client.UseTls(certificate, tls => tls.AllowAnyRemoteCertificate());
            }
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var hosts = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(Silos, hosts.Count);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
