using Grains.Retention;
using Orleans.Persistence;
using Orleans.Storage;
using StackExchange.Redis;

namespace Silo;

/// <summary>
/// Redis grain storage whose records of <see cref="IExpiringState"/> carry a key expiry: set to
/// <see cref="IExpiringState.ExpiresAt"/> when it is known, removed when it is not (a failed message retried is live
/// again). Redis then drops finished results nobody reads again. Such a record is written by one script that sets or
/// removes the expiry with the state, so a write costs one round trip and a key never holds a state without its own
/// expiry. The script keeps Orleans' layout and version check (fields <c>etag</c> and <c>data</c>, a new GUID per
/// write), so Orleans' provider reads and clears these records as its own; other states are written by it unchanged.
/// </summary>
public sealed class ExpiringRedisGrainStorage(
    IGrainStorage inner, Func<string, GrainId, RedisKey> keyOf, IGrainStorageSerializer serializer, RedisStorageConnection connection)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    // Orleans' write script (RedisGrainStorage.WriteStateAsync), with the expiry: ARGV[4] is a Unix time in ms, or empty.
    private const string WriteScript =
        """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        if ((not etag or etag == '') and (not ARGV[1] or ARGV[1] == '')) or etag == ARGV[1] then
          redis.call('HMSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3])
          if ARGV[4] == '' then
            redis.call('PERSIST', KEYS[1])
          else
            redis.call('PEXPIREAT', KEYS[1], ARGV[4])
          end
          return 0
        end
        return -1
        """;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is not IExpiringState expiring)
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
            return;
        }

        var etag = Guid.NewGuid().ToString("N");
        RedisValue expiresAt = expiring.ExpiresAt is { } at ? at.ToUnixTimeMilliseconds() : RedisValue.EmptyString;
        RedisValue data = serializer.Serialize(grainState.State).ToMemory();
        var response = await connection.Database.ScriptEvaluateAsync(
            WriteScript, [keyOf(stateName, grainId)], [grainState.ETag ?? "", etag, data, expiresAt]);
        if ((int)response == -1)
        {
            throw new InconsistentStateException($"Version conflict writing {stateName} of {grainId}: the stored ETag is not {grainState.ETag}.");
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}

/// <summary>The results store's Redis connection, shared by Orleans' storage provider and the writes of expiring states.</summary>
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
