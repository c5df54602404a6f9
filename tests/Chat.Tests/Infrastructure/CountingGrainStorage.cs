using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Wraps a silo's named grain storage and counts, per grain, the records read, written and cleared and the bytes
/// written (in Orleans' binary format, the format the embedded store keeps): what an operation costs, measured
/// without a clock. It can also fail one chosen write, which stops a grain half-way through a save as a crash would.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner, IGrainStorageSerializer measure)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<GrainId, Counters> _counters = new();
    private readonly ConcurrentDictionary<GrainId, int> _failures = new();

    /// <summary>Replaces the storage registered under <paramref name="name"/> with a counting wrapper around it.</summary>
    public static void Decorate(IServiceCollection services, string name)
    {
        var registered = services.Single(service =>
            service.ServiceType == typeof(IGrainStorage) && service.IsKeyedService && Equals(service.ServiceKey, name));
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (provider, key) => new CountingGrainStorage(
            (IGrainStorage)registered.KeyedImplementationFactory!(provider, key),
            new OrleansGrainStorageSerializer(provider.GetRequiredService<Serializer>())));
    }

    /// <summary>The <paramref name="nth"/> write or clear for the grain from now on throws, storing nothing; once.</summary>
    public void FailWrite(GrainId grain, int nth) => _failures[grain] = nth;

    public StorageTally For(GrainId grain) => _counters.TryGetValue(grain, out var counters) ? counters.Snapshot() : default;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.ReadStateAsync(stateName, grainId, grainState);
        Interlocked.Increment(ref CountersFor(grainId).Reads);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var bytes = measure.Serialize(grainState.State).Length;
        FailIfChosen(grainId);
        await inner.WriteStateAsync(stateName, grainId, grainState);
        var counters = CountersFor(grainId);
        Interlocked.Increment(ref counters.Writes);
        Interlocked.Add(ref counters.BytesWritten, bytes);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        FailIfChosen(grainId);
        await inner.ClearStateAsync(stateName, grainId, grainState);
        Interlocked.Increment(ref CountersFor(grainId).Clears);
    }

    // Redis grain storage connects in the silo lifecycle; the memory store does not take part.
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    private void FailIfChosen(GrainId grain)
    {
        if (!_failures.TryGetValue(grain, out var nth))
        {
            return;
        }

        if (nth > 1)
        {
            _failures[grain] = nth - 1;
            return;
        }

        _failures.TryRemove(grain, out _);
        throw new InvalidOperationException($"A write for {grain} failed on purpose.");
    }

    private Counters CountersFor(GrainId grain) => _counters.GetOrAdd(grain, _ => new Counters());

    private sealed class Counters
    {
        public long Reads;
        public long Writes;
        public long Clears;
        public long BytesWritten;

        public StorageTally Snapshot() =>
            new(Interlocked.Read(ref Reads), Interlocked.Read(ref Writes), Interlocked.Read(ref Clears), Interlocked.Read(ref BytesWritten));
    }
}

public readonly record struct StorageTally(long Reads, long Writes, long Clears, long BytesWritten)
{
    public static StorageTally operator -(StorageTally after, StorageTally before) =>
        new(after.Reads - before.Reads, after.Writes - before.Writes, after.Clears - before.Clears, after.BytesWritten - before.BytesWritten);
}
