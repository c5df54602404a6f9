using FakeChatBackend;
using Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Three silos with one backend, "paced": a fake OpenAI-compatible server whose pace a test sets, so a reply streams for
/// long enough to be watched. The results store counts its writes.
/// </summary>
public sealed class StreamingClusterFixture : ChatClusterFixture
{
    public FakeChatServer Paced { get; private set; } = null!;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Processing:RebalanceCheckSeconds"] = "1",
        ["Processing:MaxAttempts"] = "3",
        ["Processing:RetryBaseDelayMs"] = "100",
        ["Processing:RetryMaxDelayMs"] = "200",
        ["Backends:paced:Kind"] = "openai",
        ["Backends:paced:Endpoint"] = Paced.OpenAiEndpoint.ToString(),
        ["Backends:paced:Model"] = "m-paced",
        ["Test:CountingStorage"] = "on",
    };

    /// <summary>What the results store of every silo wrote for one message so far.</summary>
    public StorageTally Writes(string id)
    {
        var grain = Cluster.Client.GetGrain<Grains.Interfaces.IChatResultGrain>(id).GetGrainId();
        return Cluster.Silos.Cast<InProcessSiloHandle>()
            .Select(silo => ((CountingGrainStorage)silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results)).For(grain))
            .Aggregate(default(StorageTally), (sum, tally) => new StorageTally(
                sum.Reads + tally.Reads, sum.Writes + tally.Writes, sum.Clears + tally.Clears, sum.BytesWritten + tally.BytesWritten));
    }

    protected override async Task BeforeClusterStartsAsync() => Paced = await FakeChatServer.StartAsync();

    protected override async Task AfterClusterStopsAsync()
    {
        if (Paced is not null)
        {
            await Paced.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class StreamingClusterCollection : ICollectionFixture<StreamingClusterFixture>
{
    public const string Name = "three-silo cluster with a paced streaming backend";
}
