using Grains.Interfaces;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using WebFrontend.Apis;
using WebFrontend.Cluster;

namespace WebFrontend.Extensions;

/// <summary>Maps the exceptions a request can end in to problem details; anything unmapped stays a 500.</summary>
internal sealed class ChatExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        (int status, string title, string detail)? mapped = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "Request body too large." : "Bad request.", bad.Message),
            ClusterUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable.", unavailable.Message),
            // The dispatcher's own validation; the frontend checks the same rules first, so this is a safety net.
            ChatValidationException invalid => (StatusCodes.Status400BadRequest, "Invalid message.", invalid.Message),
            _ => null,
        };

        if (mapped is not { } problem)
        {
            return false;
        }

        if (problem.status == StatusCodes.Status503ServiceUnavailable)
        {
            Problems.SetRetryAfter(context, TimeSpan.FromSeconds(5));
        }

        context.Response.StatusCode = problem.status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = problem.status, Title = problem.title, Detail = problem.detail },
        });
    }
}
