using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace RedisStreams;

public static class RedisStreamsSiloBuilderExtensions
{
    /// <summary>
    /// Adds a persistent stream provider whose queues are Redis Streams. Configure <see cref="RedisStreamOptions"/>,
    /// the number of queues (<see cref="HashRingStreamQueueMapperOptions"/>) and the pulling agents through the
    /// returned configurator's usual calls.
    /// </summary>
    public static ISiloBuilder AddRedisStreams(
        this ISiloBuilder silo,
        string name,
        Action<RedisStreamOptions> configureRedis,
        Action<ISiloPersistentStreamConfigurator>? configureStream = null)
    {
        silo.AddPersistentStreams(name, RedisStreamQueueAdapterFactory.Create, stream =>
        {
            stream.Configure<RedisStreamOptions>(options => options.Configure(configureRedis));
            configureStream?.Invoke(stream);
        });
        silo.Services.AddKeyedSingleton<IRedisStreamAcknowledger>(name, (services, key) =>
            (RedisStreamQueueAdapterFactory)services.GetRequiredKeyedService<IQueueAdapterFactory>(key));
        return silo;
    }

    public static void ConfigureQueues(this ISiloPersistentStreamConfigurator stream, int queues) =>
        stream.Configure<HashRingStreamQueueMapperOptions>(options => options.Configure(o => o.TotalQueueCount = queues));
}
