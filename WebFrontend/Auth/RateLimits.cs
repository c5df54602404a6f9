using System.Threading.RateLimiting;
using Chat.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using WebFrontend.Apis;

namespace WebFrontend.Auth;

/// <summary>Auth:RequestsPerMinute for each key, through ASP.NET Core's rate limiting middleware.</summary>
public static class RateLimits
{
    private const string Unlimited = ":unlimited";

    /// <summary>The window each allowance is counted over: a key's whole allowance is back at most this long from now.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>A fixed one-minute window: a client can read from Retry-After exactly when its allowance comes back.</summary>
    public static FixedWindowRateLimiterOptions PerMinute(int limit) => new()
    {
        PermitLimit = limit,
        Window = Window,
        QueueLimit = 0,
    };

    public static void AddRequestLimits(this IServiceCollection services, AuthOptions auth)
    {
        var limit = auth.RequestsPerMinute;
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) => new ValueTask(
                Rejected(rejected.HttpContext, rejected.Lease, "requests", limit).ExecuteAsync(rejected.HttpContext));
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // The probes answer without a key, so they are nobody's to limit. A partition keeps the limiter it
                // was made with, so the unlimited one has a name no tenant can have.
                return limit == 0 || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null
                    ? RateLimitPartition.GetNoLimiter(Unlimited)
                    : RateLimitPartition.GetFixedWindowLimiter(ApiCaller.From(context.User).Tenant ?? "", _ => PerMinute(limit));
            });
        });
    }

    /// <summary>The 429 for a refused lease, with Retry-After when the limiter says when to come back.</summary>
    public static ProblemHttpResult Rejected(HttpContext context, RateLimitLease lease, string what, int limit)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            Problems.SetRetryAfter(context, retryAfter);
        }

        return Problems.TooManyRequests(what, limit);
    }
}
