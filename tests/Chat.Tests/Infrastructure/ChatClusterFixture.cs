using System.Net.Http.Json;
using Chat.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.TestingHost;
using Silo;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A real multi-silo cluster (Orleans TestCluster over TCP on loopback) with the real WebFrontend on
/// Kestrel, connected to the silos' gateways the way a deployed frontend is: through configuration.
/// Every HTTP test goes through this one seam. Subclasses change the cluster's settings.
/// </summary>
public class ChatClusterFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _frontend;

    protected virtual short Silos => 3;

    /// <summary>Configuration shared by the silos and the frontend, as environment variables would give it.</summary>
    protected virtual Dictionary<string, string?> Settings => new()
    {
        ["Processing:DelayMs"] = "400",
        ["Processing:RebalanceCheckSeconds"] = "1",
    };

    /// <summary>
    /// Whether the cluster is stopped gracefully once its tests are done. Clusters that tests leave busy (a backlog,
    /// a stalled backend, a held reply) are killed instead: a graceful stop would only wait that work out.
    /// </summary>
    protected virtual bool StopGracefully => true;

    /// <summary>Fixed to keep state across cluster restarts (storage keys include it); null for a fresh one.</summary>
    protected virtual string? ServiceId => null;

    public TestCluster Cluster { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ChatApi Api => new(Http);

    /// <summary>The frontend's services, e.g. its endpoint data source for the tests that check what is mapped.</summary>
    public IServiceProvider FrontendServices => _frontend!.Services;

    /// <summary>Changes the frontend's services, after its own registrations (e.g. to wrap one of them).</summary>
    protected virtual void ConfigureFrontendServices(IServiceCollection services)
    {
    }

    /// <summary>Runs before the cluster starts, e.g. to start the backends <see cref="Settings"/> points at.</summary>
    protected virtual Task BeforeClusterStartsAsync() => Task.CompletedTask;

    /// <summary>Runs after the cluster has stopped, e.g. to stop those backends.</summary>
    protected virtual Task AfterClusterStopsAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await BeforeClusterStartsAsync();
        var settings = Settings;
        var builder = new TestClusterBuilder(Silos);
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Options.ConfigureFileLogging = false;
        if (ServiceId is { } serviceId)
        {
            builder.Options.ServiceId = serviceId;
        }

        var cluster = new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetValidated<ClusterConnectionOptions, ClusterConnectionOptionsValidator>(ClusterConnectionOptions.Section);
        if (cluster.Provider == ClusterProvider.Redis)
        {
            // Membership in Redis, as deployed: the frontend below finds the gateways there as well.
            builder.Options.UseTestClusterMembership = false;
            builder.Options.InitializeClientOnDeploy = false;
        }

        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(settings));
        builder.AddSiloBuilderConfigurator<ChatSiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        var gateways = string.Join(',', Cluster.Silos.Select(silo => silo.GatewayAddress.Endpoint.ToString()));
        _frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            // Any free loopback port, whatever appsettings.json says.
            web.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            web.UseSetting("Cluster:Gateways", gateways);
            web.UseSetting("Cluster:ClusterId", Cluster.Options.ClusterId);
            web.UseSetting("Cluster:ServiceId", Cluster.Options.ServiceId);
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            // A request still open when the fixture stops (a stream whose reader went away) is not waited for the
            // host's default 30 s: no test here looks at how this frontend stops.
            web.ConfigureTestServices(services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3)));
            web.ConfigureTestServices(ConfigureFrontendServices);
        });
        _frontend.UseKestrel();
        _frontend.StartServer();
        Http = _frontend.CreateClient();
        Http.Timeout = TimeSpan.FromSeconds(60);
        await Eventually.Succeeds(async () => (await Http.GetAsync("/health")).EnsureSuccessStatusCode(), "the frontend's /health to answer 200");
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_frontend is not null)
        {
            try
            {
                await _frontend.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
                // Its stop is bounded (ShutdownTimeout, above): past it the host cancels the Orleans client's stop, which
                // throws that. No test here looks at how this frontend stops, and the silos are stopped below either way.
            }
        }

        if (Cluster is not null)
        {
            if (StopGracefully)
            {
                await Cluster.StopAllSilosAsync();
            }
            else
            {
                await Cluster.StopClusterClientAsync();
                foreach (var silo in Cluster.SecondarySilos.ToList())
                {
                    await Cluster.KillSiloAsync(silo);
                }

                if (Cluster.Primary is { } primary)
                {
                    await Cluster.KillSiloAsync(primary);
                }
            }

            await Cluster.DisposeAsync();
        }

        await AfterClusterStopsAsync();
    }

    private sealed class ChatSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // As the Silo host registers it; the test cluster supplies the endpoints and, unless Redis, the membership.
            var mode = SiloMode.From(siloBuilder.Configuration);
            siloBuilder.AddChatServices(mode);
            if (mode.Membership == ClusterProvider.Redis)
            {
                siloBuilder.UseRedisClustering(mode.RedisConnectionString);
            }

            if (siloBuilder.Configuration["Test:Processor"] == "scripted")
            {
                // Registered last, so it is the IChatClient the workers resolve.
                siloBuilder.Services.AddChatClient(new ScriptedChatClient());
            }

            if (siloBuilder.Configuration["Test:CountingStorage"] == "on")
            {
                CountingGrainStorage.Decorate(siloBuilder.Services, Grains.ChatStorage.Results);
            }

            if (siloBuilder.Configuration["Test:InjectedFaults"] == "on")
            {
                siloBuilder.AddOutgoingGrainCallFilter<InjectedFaults>();
            }
        }
    }
}
