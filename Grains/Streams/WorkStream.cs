using Grains.Interfaces;
using Grains.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace Grains.Streams;

/// <summary>Puts work items on the work stream: the one place that publishes, for result grains and workers alike.</summary>
public sealed class WorkStream(IServiceProvider services, IOptions<StreamingOptions> options)
{
    private IStreamProvider? _provider;

    private IStreamProvider Provider => _provider ??= services.GetRequiredKeyedService<IStreamProvider>(ChatStreams.Provider);

    /// <summary>Publishes to the given partition of the item's backend, or to any of its partitions when none is given.</summary>
    public Task PublishAsync(ChatWorkItem item, int? partition = null) =>
        PublishAsync(item, ChatStreams.PartitionKey(item.Backend, partition ?? Random.Shared.Next(options.Value.Partitions)));

    public Task PublishAsync(ChatWorkItem item, string partitionKey) =>
        ChatStreams.Partition(Provider, partitionKey).OnNextAsync(item);
}
