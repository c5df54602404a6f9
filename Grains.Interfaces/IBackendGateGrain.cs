namespace Grains.Interfaces;

/// <summary>
/// One per metered backend (keyed by its name): the cluster's single view of what may be sent to it now. Grants
/// permits up to the backend's concurrency cap and within its per-minute budgets, first come first served across
/// silos, and holds every request back while the backend has asked the cluster to wait. Soft state: silos renew the
/// permits they hold, so a fresh activation (after its silo died) learns them again within one renewal.
/// </summary>
[Alias("IBackendGateGrain")]
public interface IBackendGateGrain : IGrainWithStringKey
{
    /// <summary>How long one call to <see cref="Acquire"/> waits for a permit before answering "not yet".</summary>
    public static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(10);

    /// <summary>How often a silo renews the permits it holds; a permit not renewed for three periods is freed.</summary>
    public static readonly TimeSpan RenewPeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits up to <see cref="LongPoll"/> for the permit named <paramref name="permit"/>, for a request of about
    /// <paramref name="tokens"/> tokens from <paramref name="silo"/> (its parsable address). True once granted, also
    /// when repeated; false means not yet: call again with the same permit to keep its place in line.
    /// </summary>
    [Alias("Acquire")]
    ValueTask<bool> Acquire(Guid permit, string silo, int tokens);

    /// <summary>
    /// The request is over (or will not be sent): frees the permit, and charges the tokens it used beyond its
    /// estimate (or credits nothing when it used fewer). Releasing an unknown permit, or one in line, is harmless.
    /// </summary>
    [Alias("Release")]
    ValueTask Release(Guid permit, int extraTokens);

    /// <summary>The permits <paramref name="silo"/> holds: kept alive, and learnt again by a fresh activation.</summary>
    [Alias("Renew")]
    ValueTask Renew(string silo, Guid[] held);

    /// <summary>The backend asked to wait: nothing is sent to it, from any silo, before <paramref name="until"/>.</summary>
    [Alias("HoldOff")]
    ValueTask HoldOff(DateTimeOffset until);
}
