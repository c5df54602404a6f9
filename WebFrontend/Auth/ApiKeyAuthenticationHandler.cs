using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace WebFrontend.Auth;

/// <summary>
/// Reads <c>Authorization: Bearer &lt;secret&gt;</c> and, for the Orleans Dashboard only, the password of Basic
/// authentication, which is the one way a browser can send a key when it opens a page. Basic is not taken anywhere
/// else: a browser repeats it on its own, so another site's page could send it to the API.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string DashboardPath = "/dashboard";

    private const string Missing = "Send an API key as 'Authorization: Bearer <key>'.";
    private const string Unknown = "The API key is not one this cluster knows.";

    private bool IsDashboard => Request.Path.StartsWithSegments(DashboardPath, StringComparison.OrdinalIgnoreCase);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!keys.On || header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim()
            : IsDashboard && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? BasicPassword(header["Basic ".Length..].Trim())
            : null;
        if (secret is null)
        {
            return Task.FromResult(AuthenticateResult.Fail(Missing));
        }

        if (keys.Find(secret) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail(Unknown));
        }

        List<Claim> claims = [new(ClaimTypes.Name, key.Tenant)];
        if (key.Admin)
        {
            claims.Add(new Claim(ClaimTypes.Role, ApiCaller.AdminRole));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var wrong = result.Failure?.Message == Unknown;
        var bearer = wrong ? "Bearer error=\"invalid_token\"" : "Bearer";
        Response.Headers.WWWAuthenticate = IsDashboard
            ? new StringValues([bearer, "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\""])
            : new StringValues(bearer);
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "API key required.", wrong ? Unknown : Missing);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Admin key required.", "Only the keys named in Auth:AdminKeys may use this.");

    // As problem details whatever the client accepts: an EventSource asks for text/event-stream only, and the problem
    // details service writes nothing for it, which left a 500 in place of the 401 or 403.
    private Task WriteProblemAsync(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail }).ExecuteAsync(Context);

    /// <summary>The password of "user:password" in base64; the user name is not used.</summary>
    private static string? BasicPassword(string encoded)
    {
        Span<byte> bytes = stackalloc byte[Math.Min(encoded.Length, 4096)];
        if (!Convert.TryFromBase64String(encoded, bytes, out var written))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes[..written]);
        return text.IndexOf(':') is var colon and >= 0 ? text[(colon + 1)..] : null;
    }
}
