using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Apis;

/// <summary>
/// Declares the problem answers an endpoint can give, for the OpenAPI document: a <c>ProblemHttpResult</c> carries
/// its status only at run time, and the exception handler's 503s and 413s carry none.
/// </summary>
public static class ProblemResponses
{
    /// <summary>Every endpoint that calls the cluster: 503 when it does not answer within the retry window.</summary>
    public const int Unavailable = StatusCodes.Status503ServiceUnavailable;

    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statusCodes)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var statusCode in statusCodes)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(statusCode, typeof(ProblemDetails), ["application/problem+json"]));
        }

        return builder;
    }
}
