using Microsoft.AspNetCore.Http.Metadata;
using WebFrontend.Apis;

namespace WebFrontend.Auth;

/// <summary>
/// The two kinds of endpoint: those any key reaches (its own tenant's messages) and the operators', which only admin
/// keys reach. With keys off both are open. Each also declares, for the OpenAPI document, the answers the checks
/// in front of it can give.
/// </summary>
public static class AuthPolicies
{
    public const string Tenant = "tenant";
    public const string Admin = "admin";

    public static TBuilder RequireKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization(Tenant).ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests);
        builder.Finally(endpoint =>
        {
            // The cross-origin guard's answer, for the methods it guards.
            if (endpoint.Metadata.OfType<HttpMethodMetadata>().Any(methods => methods.HttpMethods.Any(IsStateChanging)))
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
            }
        });
        return builder;
    }

    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(Admin).ProducesProblems(
            StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests);

    public static bool IsStateChanging(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);
}
