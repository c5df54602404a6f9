using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>Durable mode on a Redis that speaks only TLS and requires a password: <c>ssl=true</c> in the connection string.</summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private readonly string _password = $"pw-{Guid.NewGuid():N}";
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(password: _password, tls: true);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_cluster_of_real_processes_works_on_a_redis_that_speaks_only_tls()
    {
        Assert.EndsWith(",ssl=true", _redis.ConnectionString, StringComparison.Ordinal);

        // The server's certificate is signed by an authority made for this test: the hosts trust it as they would a
        // company's own, through OpenSSL's standard SSL_CERT_FILE. Nothing listens without TLS.
        var settings = new Dictionary<string, string> { ["SSL_CERT_FILE"] = _redis.CertificateAuthorityFile };
        await using var cluster = await ProcessCluster.StartAsync("redis-tls", _redis, silos: 2, settings);

        // Membership, grain state, the work stream and the frontend's gateway list all go through Redis.
        var ids = ChatApiBatchExtensions.NewIds("tls", 24);
        await cluster.Api.SubmitAll(ids);
        await cluster.Api.WaitForAllCompleted(ids);

        using var ready = await cluster.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("healthy", (await ChatApi.Json(ready)).GetProperty("checks").GetProperty("redis").GetString());
    }
}
