using Grains.Retention;
using Orleans.Persistence;
using Orleans.Storage;
using StackExchange.Redis;

namespace Silo;

/// <summary>
/// Redis grain storage whose records of <see cref="IExpiringState"/> carry a key expiry: set to
/// <see cref="IExpiringState.ExpiresAt"/> when it is known, removed when it is not (a failed message retried is live
/// again, and Orleans' write keeps a key's expiry). Redis then drops finished results nobody reads again.
/// </summary>
public sealed class ExpiringRedisGrainStorage(IGrainStorage inner, Func<string, GrainId, RedisKey> keyOf, RedisStorageConnection connection)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (grainState.State is not IExpiringState expiring)
        {
            return;
        }

        // A second command after the write: a silo lost in between leaves the key without its expiry, and the grain's
        // own rule still answers 404 and deletes the record when it is next read.
        var key = keyOf(stateName, grainId);
        var database = connection.Database;
        _ = expiring.ExpiresAt is { } at
            ? await database.KeyExpireAsync(key, at.UtcDateTime)
            : await database.KeyPersistAsync(key);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}

/// <summary>The results store's Redis connection, shared by Orleans' storage provider and the expiries set beside its writes.</summary>
public sealed class RedisStorageConnection : IAsyncDisposable
{
    private Task<IConnectionMultiplexer>? _connecting;

    public IDatabase Database => (_connecting is { IsCompletedSuccessfully: true } connected
        ? connected.Result
        : throw new InvalidOperationException("The results store is not connected yet.")).GetDatabase();

    /// <summary>For <see cref="RedisStorageOptions.CreateMultiplexer"/>: connects once; this object, not the provider, closes it.</summary>
    public async Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> ConnectAsync(RedisStorageOptions options)
    {
        var connecting = _connecting;
        if (connecting is null || connecting.IsFaulted)
        {
            connecting = _connecting = Connect(options);
        }

        return (await connecting, IsShared: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connecting is { IsCompletedSuccessfully: true } connected)
        {
            await connected.Result.DisposeAsync();
        }
    }

    private static async Task<IConnectionMultiplexer> Connect(RedisStorageOptions options) =>
        (await RedisStorageOptions.DefaultCreateMultiplexer(options)).Multiplexer;
}
