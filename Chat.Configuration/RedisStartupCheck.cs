using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Chat.Configuration;

/// <summary>
/// Connects to the durable cluster's Redis once as the host starts, so that a wrong or missing password stops it
/// with one sentence naming the setting, instead of every Redis user in the host retrying for ever or failing with
/// its own stack trace. A Redis that is merely unreachable does not stop the host: the cluster already rides out an
/// outage, and a host may start before its Redis.
/// </summary>
public sealed partial class RedisStartupCheck(string connectionString, IHostApplicationLifetime lifetime, ILogger<RedisStartupCheck> logger) : IHostedService
{
    /// <summary>
    /// Registers the check on a connection string already validated (<see cref="RedisOptions"/>); before the Orleans
    /// silo or client, so that it runs first where hosted services start in order.
    /// </summary>
    public static void Register(IServiceCollection services, string connectionString) =>
        services.AddHostedService(provider => new RedisStartupCheck(
            connectionString, provider.GetRequiredService<IHostApplicationLifetime>(), provider.GetRequiredService<ILogger<RedisStartupCheck>>()));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = true;
        var endpoints = string.Join(", ", configuration.EndPoints.Select(endpoint => endpoint.ToString()));
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration).WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException exception) when (exception.FailureType == ConnectionFailureType.AuthenticationFailure)
        {
            // Where hosted services start concurrently (the frontend), the host waits for all of them, and the
            // Orleans client retries for ever; stopping cancels its start, so the host fails with this exception.
            lifetime.StopApplication();
            // The library's own message is left out on purpose: this sentence is all an operator needs, and it
            // cannot carry any part of the connection string.
            throw new InvalidOperationException(
                $"{RedisOptions.Section}:ConnectionString: authentication to Redis at {endpoints} failed: the password (or user) in " +
                $"{RedisOptions.Section}__ConnectionString is wrong or missing. Give the server's password as 'password=...' " +
                "in the connection string (./run keeps its private server's in .data/redis.password).");
        }
        catch (RedisConnectionException exception)
        {
            LogUnreachable(logger, endpoints, exception.FailureType);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoints} does not answer yet ({Failure}); starting anyway, it is used once it answers")]
    private static partial void LogUnreachable(ILogger logger, string endpoints, ConnectionFailureType failure);
}
