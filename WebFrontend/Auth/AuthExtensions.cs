using Chat.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace WebFrontend.Auth;

public static class AuthExtensions
{
    /// <summary>The names a browser may use for this frontend unless AllowedHosts says otherwise: what a rebound DNS name is not.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>Keys, policies, rate limits and allowed host names (section "Auth").</summary>
    /// <exception cref="OptionsValidationException">A bad Auth setting, or a public address without keys; the message names the key.</exception>
    public static WebApplicationBuilder AddChatAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        var auth = builder.Configuration.GetValidated<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        if (!auth.KeysOn && ListenAddresses.FirstPublic(builder.Configuration) is { } address)
        {
            throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), [
                $"Auth:Keys: the frontend would listen on {address}, which is not a loopback address, and no API key is set, so anyone who reaches it could read, cancel and retry every message. Set Auth__Keys__<name>=<secret> (one per client), or listen on 127.0.0.1 only.",
            ]);
        }

        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton<MessageRateLimiter>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Tenant, policy => Require(policy, auth, p => p.RequireAuthenticatedUser()))
            .AddPolicy(AuthPolicies.Admin, policy => Require(policy, auth, p => p.RequireRole(ApiCaller.AdminRole)))
            // Whatever declares no policy (the document, unknown paths) needs a key too.
            .SetFallbackPolicy(auth.KeysOn ? new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build() : null);
        builder.Services.AddRequestLimits(auth);

        // The standard AllowedHosts setting, when given, is the operator's; otherwise loopback and the public name.
        if (string.IsNullOrEmpty(builder.Configuration["AllowedHosts"]))
        {
            builder.Services.Configure<HostFilteringOptions>(hosts =>
                hosts.AllowedHosts = [.. LoopbackHosts, .. auth.PublicHost is { Length: > 0 } name ? [name] : Array.Empty<string>()]);
        }

        // The dashboard's Trace page streams this frontend's log: with no key to hold it to admins, nobody gets it.
        builder.Services.Configure<DashboardOptions>(dashboard => dashboard.HideTrace = !auth.KeysOn);
        return builder;
    }

    /// <summary>After the page's files, which need no key; before the endpoints.</summary>
    public static WebApplication UseChatAuth(this WebApplication app)
    {
        app.UseMiddleware<CrossOriginGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>With keys on, the policy's requirement; with keys off, everyone passes, as the API is open.</summary>
    private static void Require(AuthorizationPolicyBuilder policy, AuthOptions auth, Action<AuthorizationPolicyBuilder> requirement)
    {
        if (auth.KeysOn)
        {
            requirement(policy);
        }
        else
        {
            policy.RequireAssertion(_ => true);
        }
    }
}
