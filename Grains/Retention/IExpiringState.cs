namespace Grains.Retention;

/// <summary>
/// Stored state that ends: once <see cref="ExpiresAt"/> has passed, its grain answers as if it did not exist, and the
/// store may drop the record (a Redis key's expiry, an embedded silo's sweep). Null while it must be kept.
/// </summary>
public interface IExpiringState
{
    DateTimeOffset? ExpiresAt { get; }
}
