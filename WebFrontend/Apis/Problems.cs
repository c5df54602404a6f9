using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace WebFrontend.Apis;

/// <summary>The RFC 7807 answers the APIs give, in one place so their wording stays consistent.</summary>
public static class Problems
{
    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    public static ProblemHttpResult Validation(string field, string error) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [error] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = $"The '{field}' field is invalid.",
            Detail = error,
        });

    /// <summary>400 for a backend the cluster does not have; <c>backends</c> lists those it has.</summary>
    public static ProblemHttpResult UnknownBackend(string backend, IReadOnlyList<string> known) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            ["backend"] = [$"There is no backend named '{backend}'. Known backends: {string.Join(", ", known)}."],
        })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Unknown backend.",
            Detail = $"There is no backend named '{backend}'. Known backends: {string.Join(", ", known)}.",
            Extensions = { ["backends"] = known.ToArray() },
        });

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem(
            $"Send the body as application/json; got '{contentType ?? "no content type"}'.",
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type.");

    public static ProblemHttpResult UnsupportedCharset(string charset) =>
        TypedResults.Problem(
            $"Send the body as UTF-8 (application/json; charset=utf-8, or no charset); got charset '{charset}'.",
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported charset.");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    public static ProblemHttpResult Conflict(string id) =>
        TypedResults.Problem(
            $"The id '{id}' already holds a different message. Use a new id, or resend the same message to read its result.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Id already used for another message.");

    /// <summary>409 for an action the message's current status does not allow (cancel an ended one, retry an unfailed one).</summary>
    public static ProblemHttpResult WrongState(string id, string status, string allowed) =>
        TypedResults.Problem(
            $"Message '{id}' is {status}; only {allowed}.",
            statusCode: StatusCodes.Status409Conflict,
            title: $"Not allowed while {status}.");

    public static ProblemHttpResult Busy(HttpContext context, TimeSpan retryAfter)
    {
        SetRetryAfter(context, retryAfter);
        return TypedResults.Problem(
            "The cluster's backlog of queued messages is full. Retry after the number of seconds in Retry-After.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Backlog full.");
    }

    /// <summary>413 for a batch of more messages than Chat:MaxBatchSize; <c>maxBatchSize</c> says how many fit.</summary>
    public static ProblemHttpResult BatchTooLarge(int count, int limit) =>
        TypedResults.Problem(
            $"The batch holds {count:N0} messages; at most {limit:N0} are taken at once. Split it and send the parts.",
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Batch too large.",
            extensions: new Dictionary<string, object?> { ["maxBatchSize"] = limit });

    /// <summary>A batch item's backlog-full answer: no header can carry one item's wait, so <c>retryAfter</c> (seconds) does.</summary>
    public static ProblemHttpResult BusyItem(TimeSpan retryAfter) =>
        TypedResults.Problem(
            "The cluster's backlog of queued messages is full. Resend this message after the number of seconds in retryAfter.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Backlog full.",
            extensions: new Dictionary<string, object?> { ["retryAfter"] = RetryAfterSeconds(retryAfter) });

    /// <summary>A batch item the cluster could not take now (a silo's storage or stream failed): resend it after <c>retryAfter</c>.</summary>
    public static ProblemHttpResult UnavailableItem(string detail, TimeSpan retryAfter) =>
        TypedResults.Problem(
            detail,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Temporarily unavailable.",
            extensions: new Dictionary<string, object?> { ["retryAfter"] = RetryAfterSeconds(retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(5)) });

    /// <summary>A batch item the cluster may or may not have stored; as <see cref="OutcomeUnknown"/> without the headers.</summary>
    public static ProblemHttpResult OutcomeUnknownItem(string id) =>
        TypedResults.Problem(
            $"The cluster did not confirm message '{id}' in time; it may have been stored. Read /result/{id}, or resubmit with \"id\": \"{id}\", which never stores it twice.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Outcome unknown.",
            extensions: new Dictionary<string, object?> { ["id"] = id });

    /// <summary>503 for a submission the cluster may or may not have stored: its id, in the body and in Location.</summary>
    public static ProblemHttpResult OutcomeUnknown(HttpContext context, string id)
    {
        SetRetryAfter(context, TimeSpan.FromSeconds(5));
        context.Response.Headers.Location = $"/result/{id}";
        return TypedResults.Problem(
            $"The cluster did not confirm message '{id}' in time; it may have been stored. Read /result/{id}, or resubmit with \"id\": \"{id}\", which never stores it twice.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Outcome unknown.",
            extensions: new Dictionary<string, object?> { ["id"] = id });
    }

    /// <summary>429 for a key past Auth:RequestsPerMinute or Auth:MessagesPerMinute; Retry-After says when its allowance returns.</summary>
    public static ProblemHttpResult TooManyRequests(string what, int limit) =>
        TypedResults.Problem(
            $"This key may send {limit:N0} {what} a minute and has sent them. Retry after the number of seconds in Retry-After; nothing of this request was stored.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Rate limit reached.",
            extensions: new Dictionary<string, object?> { ["limit"] = limit });

    /// <summary>
    /// 429 for a batch larger than a whole minute's allowance of messages: waiting alone would not let it in, so it
    /// must be split; the caller sets Retry-After to when a whole allowance is next available for the parts.
    /// </summary>
    public static ProblemHttpResult TooManyMessages(int count, int limit) =>
        TypedResults.Problem(
            $"The batch holds {count:N0} messages, more than the {limit:N0} this key may send in a minute, so it is never taken whole. " +
            $"Split it into parts of at most {limit:N0} and send them; Retry-After says when a whole minute's allowance is next available. Nothing of this request was stored.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Batch larger than the rate limit.",
            extensions: new Dictionary<string, object?> { ["limit"] = limit });

    public static ProblemHttpResult Unavailable(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: title);

    public static void SetRetryAfter(HttpContext context, TimeSpan retryAfter) =>
        context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);

    private static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
}
