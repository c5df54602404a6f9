using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Silo;

namespace Chat.Tests;

/// <summary>
/// A bad setting stops the host that reads it before it serves anything, with a message naming the key, whether
/// the host needs the value while it is being built (ports, mode, body limit) or only once it runs.
/// </summary>
public sealed class OptionsValidationTests
{
#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    [Theory]
    [InlineData("Streaming:Partitions", "0")]
    [InlineData("Processing:MaxAttempts", "0")]
    [InlineData("Silo:SiloPortBase", "0")]
    [InlineData("Silo:SiloPortBase", "eleven")]
    [InlineData("Silo:AdvertisedAddress", "localhost")]
    [InlineData("Silo:MetricsPortBase", "-1")]
    [InlineData("Cluster:Provider", "Bogus")]
    [InlineData("Cluster:ClusterId", "")]
    [InlineData("Storage:Provider", "Disk")]
    [InlineData("Redis:ConnectionString", "")]
    [InlineData("Redis:ConnectionString", "127.0.0.1:6379,nosuchoption=1")]
    [InlineData("Redis:ConnectionString", "password=only")]
    [InlineData("Chat:MaxBacklog", "0")]
    [InlineData("Conversations:MaxHistoryMessages", "-1")]
    [InlineData("Results:Retention", "00:00:00")]
    [InlineData("Results:FailedRetention", "-00:00:01")]
    [InlineData("Tls:CertificatePath", "/nonexistent/cluster.pfx")]
    [InlineData("Tls:CertificatePath", "/nonexistent/cluster.pem")]
    public async Task A_bad_setting_stops_the_silo_naming_its_key(string key, string value)
    {
        var failure = await Record.ExceptionAsync(() => StartSiloAsync(key, value));

        AssertNamesKey(key, failure);
    }

    [Theory]
    [InlineData("Backends:fast:Kind", "Backends:fast:Kind=gpt")]
    [InlineData("Backends:fast:Endpoint", "Backends:fast:Kind=openai;Backends:fast:Model=m")]
    [InlineData("Backends:fast:Endpoint", "Backends:fast:Kind=openai;Backends:fast:Model=m;Backends:fast:Endpoint=ftp://127.0.0.1/v1")]
    [InlineData("Backends:fast:Model", "Backends:fast:Kind=ollama;Backends:fast:Endpoint=http://127.0.0.1:11434")]
    [InlineData("Backends:fast:MaxConcurrency", "Backends:fast:Kind=echo;Backends:fast:MaxConcurrency=-1")]
    [InlineData("Backends:fast:MaxConcurrency", "Backends:fast:Kind=echo;Backends:fast:MaxConcurrency=many")]
    [InlineData("Backends:fast:TimeoutSeconds", "Backends:fast:Kind=echo;Backends:fast:TimeoutSeconds=0")]
    [InlineData("Backends:fast:Fallback", "Backends:fast:Kind=echo;Backends:fast:Fallback=nowhere")]
    [InlineData("Backends:a:Fallback", "Backends:a:Kind=echo;Backends:a:Fallback=b;Backends:b:Kind=echo;Backends:b:Fallback=a")]
    [InlineData("Backends:echo:Kind", "Backends:echo:Kind=openai")]
    [InlineData("Backends:bad name", "Backends:bad name:Kind=echo")]
    [InlineData("Chat:DefaultBackend", "Chat:DefaultBackend=missing")]
    public async Task A_bad_backend_stops_the_silo_naming_its_key(string key, string settings)
    {
        var pairs = settings.Split(';').Select(pair => pair.Split('=', 2)).Select(pair => (pair[0], pair[1])).ToArray();

        var failure = await Record.ExceptionAsync(() => StartSiloAsync(pairs));

        AssertNamesKey(key, failure);
    }

    [Theory]
    [InlineData("Chat:MaxRequestBodyBytes", "1")]
    [InlineData("Chat:MaxMessageLength", "0")]
    [InlineData("Cluster:Provider", "Bogus")]
    [InlineData("Cluster:Gateways", "127.0.0.1")]
    [InlineData("Cluster:RetryWindowSeconds", "-1")]
    [InlineData("Tls:CertificatePath", "/nonexistent/cluster.pem")]
    public async Task A_bad_setting_stops_the_frontend_naming_its_key(string key, string value)
    {
        await using var frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            // No cluster to reach: the host must fail on the setting, not wait for silos.
            web.UseSetting("Cluster:Gateways", $"127.0.0.1:{FreePorts.Any()}");
            web.UseSetting(key, value);
        });

        var failure = await Record.ExceptionAsync(() => Task.Run(frontend.StartServer).WaitAsync(TimeSpan.FromSeconds(60)));

        AssertNamesKey(key, failure);
    }

    [Fact]
    public async Task A_silo_process_given_a_bad_port_exits_naming_the_environment_variable_s_key()
    {
        var dll = Path.Combine(ProcessCluster.RepositoryRoot, "Silo", "bin", BuildConfiguration, "net10.0", "Silo.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Silo__SiloPortBase"] = "0";
        using var silo = Process.Start(start)!;
        var output = silo.StandardOutput.ReadToEndAsync();
        var errors = silo.StandardError.ReadToEndAsync();
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

        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains(
            "Silo:SiloPortBase: The field SiloHostOptions.SiloPortBase must be between 1 and 65000.",
            await errors + await output);
    }

    [Fact]
    public async Task A_silo_whose_metrics_port_is_taken_stops_naming_the_key()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();

        var failure = await Record.ExceptionAsync(() => StartSiloAsync("Silo:MetricsPortBase", ((IPEndPoint)taken.LocalEndpoint).Port.ToString()));

        AssertNamesKey("Silo:MetricsPortBase", failure);
    }

    /// <summary>Builds and starts one silo exactly as Silo's Program does, on free loopback ports, then stops it.</summary>
    private static Task StartSiloAsync(string key, string value) => StartSiloAsync((key, value));

    private static async Task StartSiloAsync(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:SiloPortBase"] = FreePorts.Any().ToString(),
            ["Silo:GatewayPortBase"] = FreePorts.Any().ToString(),
            ["Silo:MetricsPortBase"] = FreePorts.Any().ToString(),
            ["Cluster:ServiceId"] = $"options-{Guid.NewGuid():N}",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)));
        builder.AddChatSilo();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    /// <summary>The failure, or one it wraps, names the key: a validation failure starts with it, a value of the wrong type quotes it.</summary>
    private static void AssertNamesKey(string key, Exception? failure)
    {
        Assert.NotNull(failure);
        var chain = new List<Exception>();
        for (var current = failure; current is not null; current = current.InnerException)
        {
            chain.Add(current);
        }

        var named = chain.Any(exception => exception switch
        {
            OptionsValidationException invalid => invalid.Failures.Any(message => message.StartsWith($"{key}: ", StringComparison.Ordinal)),
            InvalidOperationException wrongType => wrongType.Message.Contains($"'{key}'", StringComparison.Ordinal),
            _ => false,
        });
        Assert.True(named, $"Expected a failure naming {key}; got:{Environment.NewLine}{failure}");
    }

}
