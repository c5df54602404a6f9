using Chat.Configuration;
using Grains.Backends;
using Grains.Diagnostics;
using Grains.Faults;
using Grains.Load;
using Grains.Options;
using Grains.Placement;
using Grains.Processing;
using Grains.Retention;
using Grains.Webhooks;
using Grains.Work;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Grains.Hosting;

public static class ChatSiloBuilderExtensions
{
    /// <summary>
    /// The grains' own services: their options, the backends, the partition placement and the silo's workload.
    /// Clustering, grain storage, the work stream's provider, the reminder service (which webhook deliveries need) and
    /// the dashboard are the host's choice.
    /// </summary>
    public static ISiloBuilder AddChatProcessing(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddValidatedOptions<ChatOptions, ChatOptionsValidator>(ChatOptions.Section);
        services.AddValidatedOptions<ProcessingOptions, ProcessingOptionsValidator>(ProcessingOptions.Section);
        services.AddValidatedOptions<StreamingOptions, StreamingOptionsValidator>(StreamingOptions.Section);
        services.AddValidatedOptions<ConversationOptions, ConversationOptionsValidator>(ConversationOptions.Section);
        services.AddValidatedOptions<ResultsOptions, ResultsOptionsValidator>(ResultsOptions.Section);
        services.AddSingleton<ResultRetention>();
        // Read and checked now, so a bad backend stops the silo before it starts, with the key to fix.
        services.AddSingleton(BackendCatalog.Load(silo.Configuration));
        services.AddSingleton(TenantWeights.Load(silo.Configuration));
        services.AddSingleton<BackendClients>();
        services.AddSingleton<BackendPermits>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<BackendPermits>());

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SiloWorkload>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWorkload>());
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<Results.ResultNoticeBatcher>();
        services.AddSingleton<BacklogGate>();
        services.AddSingleton<ClusterLoadReporter>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ClusterLoadReporter>());
        services.AddMessageLifecycle();
        services.AddWebhooks();
        services.AddSingleton<WorkAcknowledgement>();
        services.AddChatProcessor();
        services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        services.AddPlacementDirector<OldestSiloPlacement, OldestSiloPlacementDirector>();
        silo.AddIncomingGrainCallFilter<InfrastructureFailureFilter>();
        return silo;
    }
}
