using Chat.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace WebFrontend.Health;

/// <summary>
/// The frontend's own connection to the durable cluster's Redis, for the readiness probe only: Orleans' Redis
/// membership keeps its connection to itself. Opened on the first probe, and it reconnects by itself after an outage.
/// </summary>
internal sealed class RedisProbeConnection(IOptions<RedisOptions> options) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection = new(() =>
    {
        var configuration = ConfigurationOptions.Parse(options.Value.ConnectionString);
        // Opened while Redis is down it must still come up, and report unhealthy until Redis answers.
        configuration.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(configuration);
    });

    public IConnectionMultiplexer Connection => _connection.Value;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}
