using System.Globalization;
using Grains.Interfaces;
using Orleans.Runtime;
using Orleans.Streams;

namespace Grains.Streams;

/// <summary>Names of the work stream and its partitions. A partition's stream key is also its worker's grain key.</summary>
public static class ChatStreams
{
    public const string Provider = "chat";
    public const string Namespace = "chat-work";
    private const string PartitionPrefix = "worker-";

    public static string PartitionKey(int partition) => PartitionPrefix + partition.ToString(CultureInfo.InvariantCulture);

    public static bool TryParsePartition(string key, out int partition)
    {
        partition = -1;
        return key.StartsWith(PartitionPrefix, StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(PartitionPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out partition);
    }

    public static StreamId PartitionStream(string partitionKey) => StreamId.Create(Namespace, partitionKey);

    public static IAsyncStream<ChatWorkItem> Partition(IStreamProvider provider, string partitionKey) =>
        provider.GetStream<ChatWorkItem>(PartitionStream(partitionKey));
}
