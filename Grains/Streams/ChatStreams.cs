using System.Globalization;
using Grains.Interfaces;
using Orleans.Runtime;
using Orleans.Streams;

namespace Grains.Streams;

/// <summary>
/// Names of the work stream and its partitions. Each backend has its own partitions, so its own workers and its own
/// queue of waiting work: a partition's key is "{backend}-{index}", e.g. "echo-3", and is also its worker's grain key.
/// </summary>
public static class ChatStreams
{
    public const string Provider = "chat";
    public const string Namespace = "chat-work";

    public static string PartitionKey(string backend, int partition) =>
        backend + "-" + partition.ToString(CultureInfo.InvariantCulture);

    public static bool TryParsePartition(string key, out string backend, out int partition)
    {
        // Backend names cannot contain '-', so the last one separates the index.
        var separator = key.LastIndexOf('-');
        backend = separator > 0 ? key[..separator] : "";
        partition = -1;
        return separator > 0
            && int.TryParse(key.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out partition);
    }

    public static StreamId PartitionStream(string partitionKey) => StreamId.Create(Namespace, partitionKey);

    public static IAsyncStream<ChatWorkItem> Partition(IStreamProvider provider, string partitionKey) =>
        provider.GetStream<ChatWorkItem>(PartitionStream(partitionKey));
}
