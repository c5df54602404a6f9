using Grains.Load;
using Grains.Options;
using Grains.Placement;
using Grains.Processing;
using Grains.Streams;
using Grains.Work;
using Orleans.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using RedisStreams;

namespace Grains.Hosting;

public static class ChatSiloBuilderExtensions
{
    /// <summary>
    /// Everything a silo needs to take part in chat processing, except clustering, which the host chooses.
    /// </summary>
    public static ISiloBuilder AddChatProcessing(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<ChatOptions>().Bind(configuration.GetSection(ChatOptions.Section)).ValidateOnStart();
        services.AddOptions<ProcessingOptions>().Bind(configuration.GetSection(ProcessingOptions.Section)).ValidateOnStart();
        services.AddOptions<StreamingOptions>().Bind(configuration.GetSection(StreamingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChatOptions>, ChatOptionsValidator>();
        services.AddSingleton<IValidateOptions<ProcessingOptions>, ProcessingOptionsValidator>();
        services.AddSingleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SiloWorkload>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWorkload>());
        services.AddSingleton<BacklogGate>();
        services.AddSingleton<ClusterLoadReporter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ClusterLoadReporter>());
        services.AddSingleton<ChatJobRunner>();
        services.AddSingleton<WorkAcknowledgement>();
        services.AddChatProcessor();
        services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();

        // Every silo must run the dashboard's grains, or the dashboard page's calls fail.
        silo.AddDashboard();
        var storage = StorageOptions.From(configuration);
        var validation = new StorageOptionsValidator().Validate(null, storage);
        if (validation.Failed)
        {
            throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions), validation.Failures);
        }

        var streaming = configuration.GetSection(StreamingOptions.Section).Get<StreamingOptions>() ?? new StreamingOptions();
        if (storage.Provider == "Redis")
        {
            AddDurableState(silo, storage.RedisConnectionString, streaming);
        }
        else
        {
            AddVolatileState(silo, streaming);
        }

        return silo;
    }

    /// <summary>
    /// Durable mode: results, reminders and the work stream all in Redis. Stream entries are acknowledged by the
    /// worker once their message has ended, so work a dead silo held is delivered again after the lease.
    /// </summary>
    private static void AddDurableState(ISiloBuilder silo, string redis, StreamingOptions streaming)
    {
        silo.AddRedisGrainStorage(ChatStorage.Results, options =>
            options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
        silo.UseRedisReminderService(options =>
            options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis));
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
    }

    /// <summary>Embedded mode: everything in the silos' memory; a stopped silo takes its share with it.</summary>
    private static void AddVolatileState(ISiloBuilder silo, StreamingOptions streaming)
    {
        // Orleans' binary format rather than the default (Newtonsoft JSON): fewer bytes per stored result, which
        // is what a long run's memory is made of, and nothing outside the cluster reads this store.
        silo.AddMemoryGrainStorage(ChatStorage.Results, options => options.Configure<Orleans.Serialization.Serializer>(
            (storage, serializer) => storage.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
        silo.UseInMemoryReminderService();
        silo.AddMemoryStreams(ChatStreams.Provider, stream =>
        {
            stream.ConfigurePartitioning(streaming.Queues);
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
