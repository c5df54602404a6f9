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
        services.AddChatProcessor();
        services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();

        // Every silo must run the dashboard's grains, or the dashboard page's calls fail.
        silo.AddDashboard();
        AddResultStorage(silo, configuration);
        var streaming = configuration.GetSection(StreamingOptions.Section).Get<StreamingOptions>() ?? new StreamingOptions();
        silo.AddMemoryStreams(ChatStreams.Provider, stream =>
        {
            stream.ConfigurePartitioning(streaming.Queues);
            stream.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            stream.ConfigurePullingAgent(agent => agent.Configure(options =>
            {
                options.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streaming.PollIntervalMs);
                options.BatchContainerBatchSize = 256;
            }));
        });
        return silo;
    }

    private static void AddResultStorage(ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = StorageOptions.From(configuration);
        var validation = new StorageOptionsValidator().Validate(null, storage);
        if (validation.Failed)
        {
            throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions), validation.Failures);
        }

        if (storage.Provider == "Redis")
        {
            silo.AddRedisGrainStorage(ChatStorage.Results, options =>
                options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(storage.RedisConnectionString));
        }
        else
        {
            silo.AddMemoryGrainStorage(ChatStorage.Results);
        }
    }
}
