namespace Grains.Interfaces;

/// <summary>
/// Where each tenant's messages and conversations live. With API keys on, a client's id is scoped to its key's
/// tenant: the grain key is "tenant:id", so two tenants may both use "order-42" and neither can reach the other's.
/// With keys off there is one unnamed tenant and the grain key is the id itself. Ids never hold ':'
/// (<see cref="ChatRules.IsValidId"/>), so the split is unambiguous.
/// </summary>
public static class TenantKeys
{
    public const char Separator = ':';

    /// <summary>The grain key of <paramref name="id"/> for <paramref name="tenant"/> (null or empty: keys are off).</summary>
    public static string Compose(string? tenant, string id) =>
        string.IsNullOrEmpty(tenant) ? id : string.Concat(tenant, Separator.ToString(), id);

    /// <summary>The tenant a grain key belongs to; empty for the unnamed tenant.</summary>
    public static string TenantOf(string key) => key.IndexOf(Separator) is var at and >= 0 ? key[..at] : "";

    /// <summary>A valid id, or a valid tenant name and id joined by <see cref="Separator"/>.</summary>
    public static bool IsValid(string? key)
    {
        var at = key?.IndexOf(Separator) ?? -1;
        return at < 0 ? ChatRules.IsValidId(key) : ChatRules.IsValidId(key![..at]) && ChatRules.IsValidId(key[(at + 1)..]);
    }

    /// <summary>The client's id within its tenant.</summary>
    public static string IdOf(string key) => key.IndexOf(Separator) is var at and >= 0 ? key[(at + 1)..] : key;
}
