using System.Diagnostics;
using System.Net;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Chat.Tests;

/// <summary>
/// Durable mode on a Redis that requires a password (<c>requirepass</c>), as <c>./run</c>'s private one does: with the
/// password in <c>Redis__ConnectionString</c> every host works; with a wrong one or none, silo and frontend stop at
/// start-up saying so and naming the key, and never print the password.
/// </summary>
public sealed class RedisPasswordTests : IAsyncLifetime
{
#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    private readonly string _password = $"pw-{Guid.NewGuid():N}";
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(password: _password);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task A_cluster_of_real_processes_works_on_a_redis_that_requires_a_password_and_never_logs_it()
    {
        const string name = "redis-password";
        await using (var cluster = await ProcessCluster.StartAsync(name, _redis, silos: 2, new Dictionary<string, string>()))
        {
            // Membership, grain state, the work stream and the frontend's gateway list all go through Redis.
            var ids = ChatApiBatchExtensions.NewIds("password", 24);
            await cluster.Api.SubmitAll(ids);
            await cluster.Api.WaitForAllCompleted(ids);

            // The frontend's own Redis probe authenticates too.
            using var ready = await cluster.Http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("healthy", (await ChatApi.Json(ready)).GetProperty("checks").GetProperty("redis").GetString());
        }

        var logs = Directory.GetFiles(Path.Combine(ProcessCluster.RepositoryRoot, "artifacts", "test-results", "processes", name), "*.log");
        Assert.Equal(3, logs.Length);
        Assert.All(logs, log => Assert.DoesNotContain(_password, File.ReadAllText(log), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(",password=not-the-password")]
    [InlineData("")]
    public async Task A_silo_with_a_wrong_or_no_password_exits_at_start_up_saying_authentication_failed(string password)
    {
        var dll = Path.Combine(ProcessCluster.RepositoryRoot, "Silo", "bin", BuildConfiguration, "net10.0", "Silo.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        var ports = FreePorts.Range(2);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Cluster__Provider"] = "Redis";
        start.Environment["Cluster__ServiceId"] = $"wrong-password-{Guid.NewGuid():N}";
        start.Environment["Redis__ConnectionString"] = $"127.0.0.1:{_redis.Port}{password}";
        start.Environment["Silo__SiloPortBase"] = ports.ToString();
        start.Environment["Silo__GatewayPortBase"] = (ports + 1).ToString();
        start.Environment["Silo__MetricsPortBase"] = "0";
        using var silo = Process.Start(start)!;
        var stdout = silo.StandardOutput.ReadToEndAsync();
        var stderr = silo.StandardError.ReadToEndAsync();
        try
        {
            await silo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill();
            }
        }

        var text = await stdout + await stderr;
        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains(
            $"Redis:ConnectionString: authentication to Redis at 127.0.0.1:{_redis.Port} failed: the password (or user) in Redis__ConnectionString is wrong or missing.",
            text);
        Assert.DoesNotContain("not-the-password", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_password, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frontend_with_a_wrong_password_stops_at_start_up_saying_authentication_failed()
    {
        await using var frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            web.UseSetting("Cluster:Provider", "Redis");
            web.UseSetting("Redis:ConnectionString", $"127.0.0.1:{_redis.Port},password=not-the-password");
        });

        var failure = await Record.ExceptionAsync(() => Task.Run(frontend.StartServer).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.NotNull(failure);
        var text = failure.ToString();
        var expected = $"Redis:ConnectionString: authentication to Redis at 127.0.0.1:{_redis.Port} failed";
        Assert.True(text.Contains(expected, StringComparison.Ordinal), $"Expected \"{expected}\" in:\n{text}");
        Assert.DoesNotContain("not-the-password", text, StringComparison.Ordinal);
    }
}
