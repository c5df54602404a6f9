namespace Grains.Interfaces;

/// <summary>
/// The ids of messages that failed for good, newest first, so operators can list and retry them.
/// One per cluster (key 0), persisted in the results store.
/// </summary>
[Alias("IDeadLetterGrain")]
public interface IDeadLetterGrain : IGrainWithIntegerKey
{
    /// <summary>How many of the newest failures the index keeps; older ones stay readable by id.</summary>
    public const int Capacity = 100_000;

    /// <summary>Lists the id as the newest failure; an id already listed moves there, so repeating is harmless.</summary>
    [Alias("Add")]
    ValueTask Add(string id, DateTimeOffset failedAt);

    /// <summary>Takes the id off the list; an id not listed is ignored.</summary>
    [Alias("Remove")]
    ValueTask Remove(string id);

    /// <summary>A page of at most 1,000 ids, newest failure first, and the total count; empty past the end.</summary>
    [Alias("ListFrom")]
    ValueTask<DeadLetterPage> List(long skip, int take);

    /// <summary>
    /// As <see cref="List(long, int)"/> over one tenant's ids only (<see cref="TenantKeys"/>), with that tenant's
    /// count: what a tenant's key may see, paged as if the others were not there.
    /// </summary>
    [Alias("ListTenant")]
    ValueTask<DeadLetterPage> List(string tenant, long skip, int take);
}

[GenerateSerializer, Immutable, Alias("DeadLetterPage")]
public sealed record DeadLetterPage(
    [property: Id(0)] IReadOnlyList<string> Ids,
    [property: Id(1)] int Total);
