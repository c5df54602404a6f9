using Chat.Configuration;
using Grains;
using Grains.Hosting;
using Grains.Options;
using Grains.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Serialization;
using Microsoft.Extensions.Options;
using Orleans.Persistence;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.Streams;
using RedisStreams;

namespace Silo;

public static class ChatSiloServices
{
    /// <summary>
    /// Everything a silo of this application runs except its clustering and endpoints: the grains' services, the
    /// dashboard's grains, and grain state plus the work stream where <paramref name="mode"/> keeps them.
    /// </summary>
    public static ISiloBuilder AddChatServices(this ISiloBuilder silo, SiloMode mode)
    {
        var streaming = silo.Configuration.GetValidated<StreamingOptions, StreamingOptionsValidator>(StreamingOptions.Section);
        silo.AddChatProcessing();
        // Orleans sizes its grain directory cache's dictionary for the whole capacity up front, and counts it by
        // walking every bucket whenever its size is observed: once a second for the dashboard's metrics, which
        // with the default million entries was the largest single cost of an idle silo, and at a hundred thousand
        // still 3% of a busy one's CPU. Thirty thousand hold the addresses of 15 s of messages at 2,000 a second,
        // as long as an unwatched message's grain stays in memory; an address that fell out costs one directory
        // lookup the next time its grain is called.
        silo.Configure<GrainDirectoryOptions>(options => options.CacheSize = 30_000);
        // A message's grain leaves memory soon after its last call (an attribute cannot go below a minute, so it is
        // set here). Orleans looks for idle activations once a minute by default, which would keep a result up to a
        // minute more; each look only takes the activations that came due, so looking often is cheap.
        var results = silo.Configuration.GetValidated<ResultsOptions, ResultsOptionsValidator>(ResultsOptions.Section);
        silo.Configure<GrainCollectionOptions>(options =>
        {
            options.CollectionQuantum = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, results.IdleActivationAge.Ticks / 3));
            options.ClassSpecificCollectionAge[typeof(ChatResultGrain).FullName!] = results.IdleActivationAge;
        });
        // Every silo must run the dashboard's grains, or the dashboard page's calls fail.
        silo.AddDashboard();
        if (mode.Storage == StorageProvider.Redis)
        {
            AddDurableState(silo, mode.RedisConnectionString, streaming);
        }
        else
        {
            AddVolatileState(silo, streaming);
        }

        return silo;
    }

    /// <summary>
    /// Durable mode: results and the work stream in Redis. Stream entries are acknowledged by the worker once their
    /// message has ended, so work a dead silo held is delivered again after the lease.
    /// </summary>
    private static void AddDurableState(ISiloBuilder silo, string redis, StreamingOptions streaming)
    {
        silo.Services.AddSingleton<RedisStorageConnection>();
        silo.AddRedisGrainStorage(ChatStorage.Results, options => options.Configure<Serializer, IServiceProvider>((storage, serializer, services) =>
        {
            storage.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            storage.CreateMultiplexer = services.GetRequiredService<RedisStorageConnection>().ConnectAsync;
            storage.GetStorageKey = RedisStateKeys.For(services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId);
            // A cleared record (a dead-letter segment dropped at capacity) is deleted, not kept empty for ever.
            storage.DeleteStateOnClear = true;
            // Not Orleans' default JSON, whose type names a writer to Redis could choose (see StoredStateSerializer).
            storage.GrainStorageSerializer = new StoredStateSerializer(serializer, services);
        }));
        // Finished results and conversations leave Redis by themselves once their retention has passed.
        silo.Services.DecorateGrainStorage(ChatStorage.Results, (services, redis) =>
        {
            var options = services.GetRequiredService<IOptionsMonitor<RedisStorageOptions>>().Get(ChatStorage.Results);
            return new ExpiringRedisGrainStorage(redis, options.GetStorageKey!, options.GrainStorageSerializer!, services.GetRequiredService<RedisStorageConnection>());
        });
        var lease = TimeSpan.FromSeconds(streaming.LeaseSeconds);
        silo.AddRedisStreams(
            ChatStreams.Provider,
            redisStreams =>
            {
                redisStreams.ConnectionString = redis;
                redisStreams.AcknowledgeOnDelivery = false;
                redisStreams.VisibilityTimeout = lease;
                // Several sweeps per lease, so recovery takes about one lease, not two.
                redisStreams.ClaimInterval = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, lease.Ticks / 4));
            },
            stream =>
            {
                stream.ConfigureQueues(streaming.Queues);
                ConfigureWorkStream(stream, streaming);
            });
        silo.Services.AddSingleton<IWorkStreamAcknowledger, RedisWorkStreamAcknowledger>();
        // Webhook deliveries a dead silo left pending are woken from here.
        silo.UseRedisReminderService(reminders => reminders.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
    }

    /// <summary>Embedded mode: everything in the silos' memory; a stopped silo takes its share with it.</summary>
    private static void AddVolatileState(ISiloBuilder silo, StreamingOptions streaming)
    {
        // Orleans' binary format rather than the default (Newtonsoft JSON): fewer bytes per stored result, which
        // is what a long run's memory is made of, and nothing outside the cluster reads this store.
        silo.AddMemoryGrainStorage(ChatStorage.Results, options => options.Configure<Serializer>(
            (storage, serializer) => storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
        // Expired results and conversations are swept out of memory, as Redis would expire them.
        silo.Services.AddSingleton<MemoryExpirySweep>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<MemoryExpirySweep>());
        silo.Services.DecorateGrainStorage(ChatStorage.Results, (services, memory) =>
            new ExpiringMemoryGrainStorage(memory, services.GetRequiredService<MemoryExpirySweep>()));
        silo.UseInMemoryReminderService();
        silo.AddMemoryStreams(ChatStreams.Provider, stream =>
        {
            stream.ConfigurePartitioning(streaming.Queues);
            stream.ConfigureComponent<IQueueAdapterFactory>((services, name) => new IdlePollingQueueAdapterFactory(
                MemoryAdapterFactory<DefaultMemoryMessageBodySerializer>.Create(services, name),
                TimeSpan.FromMilliseconds(streaming.PollIntervalMs),
                TimeSpan.FromMilliseconds(streaming.IdlePollIntervalMs),
                TimeProvider.System));
            ConfigureWorkStream(stream, streaming);
        });
    }

    private static void ConfigureWorkStream(ISiloPersistentStreamConfigurator stream, StreamingOptions streaming)
    {
        stream.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
        stream.ConfigurePartitionBalancing((services, _) => ActivatorUtilities.CreateInstance<ActiveSilosQueueBalancer>(services));
        stream.ConfigurePullingAgent(agent => agent.Configure(options =>
        {
            options.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streaming.PollIntervalMs);
            options.BatchContainerBatchSize = 256;
        }));
    }
}
