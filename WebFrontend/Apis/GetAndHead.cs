namespace WebFrontend.Apis;

public static class GetAndHead
{
    /// <summary>
    /// Maps a read endpoint for GET and HEAD. Kestrel sends a HEAD answer's status and headers and drops its body,
    /// so the handler runs as for GET. Not for event streams: a HEAD answer must end, and those do not.
    /// </summary>
    public static RouteHandlerBuilder MapGetAndHead(this IEndpointRouteBuilder app, string pattern, Delegate handler) =>
        app.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], handler);
}
