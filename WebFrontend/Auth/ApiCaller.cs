using System.Security.Claims;
using Grains.Interfaces;

namespace WebFrontend.Auth;

/// <summary>
/// Who is asking, as the endpoints need it: which tenant's ids a route or body names, and how a stored message's id
/// is shown back. <see cref="Tenant"/> is null when keys are off: one unnamed tenant, ids unchanged.
/// </summary>
public sealed record ApiCaller(string? Tenant, bool Admin)
{
    public const string AdminRole = "admin";

    private static readonly ApiCaller Open = new(null, true);

    public static ApiCaller From(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { } tenant } ? new ApiCaller(tenant, user.IsInRole(AdminRole)) : Open;

    /// <summary>The grain key of a client's own id: its tenant's.</summary>
    public string KeyOf(string id) => TenantKeys.Compose(Tenant, id);

    /// <summary>
    /// The grain key a route's id names, or null if the id is not valid. An admin may also name another tenant's
    /// message by its qualified id, "tenant:id", as listed to it.
    /// </summary>
    public string? KeyOfRoute(string id)
    {
        if (ChatRules.IsValidId(id))
        {
            return KeyOf(id);
        }

        return Admin && Tenant is not null && TenantKeys.IsValid(id) && TenantKeys.TenantOf(id).Length > 0 ? id : null;
    }

    /// <summary>The id a client sees for a grain key: its own id, or for an admin another tenant's qualified id.</summary>
    public string IdOf(string key) => Tenant is not null && TenantKeys.TenantOf(key) == Tenant ? TenantKeys.IdOf(key) : key;

    /// <summary>The result as this caller sees it: with its ids as the caller names them.</summary>
    public ChatResult Shown(ChatResult result) =>
        result with { Id = IdOf(result.Id), ConversationId = result.ConversationId is { } conversation ? IdOf(conversation) : null };

    /// <summary>The conversation as this caller sees it: with its ids as the caller names them.</summary>
    public ConversationView Shown(ConversationView view) =>
        view with { Id = IdOf(view.Id), Messages = [.. view.Messages.Select(entry => entry with { Id = IdOf(entry.Id) })] };
}
