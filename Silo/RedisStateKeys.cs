using System.Text;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Silo;

/// <summary>
/// The Redis key of a grain's state, laid out exactly as Orleans' default (<c>{ServiceId}/state/{grain type}/{key}/{state
/// type}</c>) so records stored before still load; spelled out here because the expiry set beside a write needs it too.
/// </summary>
public static class RedisStateKeys
{
    public static Func<string, GrainId, RedisKey> For(string serviceId)
    {
        RedisKey prefix = Encoding.UTF8.GetBytes($"{serviceId}/state/");
        return (grainType, grainId) =>
        {
            var type = grainId.Type.AsSpan();
            var key = grainId.Key.AsSpan();
            var suffix = new byte[type.Length + 1 + key.Length + 1 + Encoding.UTF8.GetByteCount(grainType)];
            type.CopyTo(suffix);
            suffix[type.Length] = (byte)'/';
            key.CopyTo(suffix.AsSpan(type.Length + 1));
            suffix[type.Length + 1 + key.Length] = (byte)'/';
            Encoding.UTF8.GetBytes(grainType, suffix.AsSpan(type.Length + key.Length + 2));
            return prefix.Append(suffix);
        };
    }
}
