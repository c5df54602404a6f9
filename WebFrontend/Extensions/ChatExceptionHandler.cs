using Grains.Interfaces;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Serialization;
using WebFrontend.Apis;
using WebFrontend.Cluster;

namespace WebFrontend.Extensions;

/// <summary>Maps the exceptions a request can end in to problem details; anything unmapped stays a 500.</summary>
internal sealed partial class ChatExceptionHandler(IProblemDetailsService problems, ILogger<ChatExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>What a client is told to wait when the failure itself suggests nothing.</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        (int status, string title, string detail)? mapped = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "Request body too large." : "Bad request.", bad.Message),
            ClusterUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, "Cluster unavailable.", unavailable.Message),
            // A silo's own sentence: something the cluster depends on failed; the cause is in the silo's log.
            TemporarilyUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable.", unavailable.Message),
            // The dispatcher's own validation; the frontend checks the same rules first, so this is a safety net.
            ChatValidationException invalid => (StatusCodes.Status400BadRequest, "Invalid message.", invalid.Message),
            _ when IsUnreadableClusterFailure(exception) => (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable.",
                "The cluster failed to complete this request and could not say why; retry after the number of seconds in Retry-After."),
            _ => null,
        };

        if (mapped is not { } problem)
        {
            return false;
        }

        if (problem.status == StatusCodes.Status503ServiceUnavailable)
        {
            Problems.SetRetryAfter(context, exception is TemporarilyUnavailableException { RetryAfter: var suggested } && suggested > TimeSpan.Zero
                ? suggested
                : DefaultRetryAfter);
        }

        if (IsUnreadableClusterFailure(exception))
        {
            LogUnreadable(logger, exception.GetType().Name, exception.Message);
        }

        context.Response.StatusCode = problem.status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = problem.status, Title = problem.title, Detail = problem.detail },
        });
    }

    /// <summary>
    /// A silo failed with an exception this frontend cannot load or decode (a provider's own type that reached it
    /// untranslated, e.g. from an older silo): whatever it was, it was the cluster's failure, not the request's.
    /// </summary>
    private static bool IsUnreadableClusterFailure(Exception exception) =>
        exception is CodecNotFoundException or UnavailableExceptionFallbackException or TypeLoadException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A cluster call failed with an exception this frontend cannot read ({ExceptionType}: {ExceptionMessage}); answered 503")]
    private static partial void LogUnreadable(ILogger logger, string exceptionType, string exceptionMessage);
}
