using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Auth;

/// <summary>
/// Refuses a state-changing request (POST, PUT, PATCH, DELETE) that a browser sent from another origin's page: without
/// keys, or with a dashboard password the browser repeats on its own, nothing else would tell it from the user's.
/// A request with a bearer key is let through: no browser attaches one unasked. Browsers say where a request comes
/// from in Sec-Fetch-Site, and older ones in Origin.
/// </summary>
public sealed class CrossOriginGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !FromAnotherOrigin(request))
        {
            await next(context);
            return;
        }

        // As problem details whatever the client accepts (the problem details service writes nothing for a client that
        // does not accept JSON).
        await TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Cross-origin request refused.",
            Detail = "A page from another origin may not change anything here. Send the request from this site's own page, or from a client that is not a browser.",
        }).ExecuteAsync(context);
    }

    private static bool FromAnotherOrigin(HttpRequest request)
    {
        // "same-site" too: a page on another port of this same host is another origin.
        if (request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site)
        {
            return site is not ("same-origin" or "none");
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}
