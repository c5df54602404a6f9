using System.Threading.RateLimiting;
using Chat.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WebFrontend.Apis;

namespace WebFrontend.Auth;

/// <summary>
/// Auth:MessagesPerMinute for each key: a batch of N takes N permits, all or none, before any of it is submitted, so
/// a refused request stores nothing. The requests limit is the middleware's; this one needs the batch's size.
/// </summary>
public sealed class MessageRateLimiter : IDisposable
{
    private readonly int _limit;
    private readonly PartitionedRateLimiter<string>? _limiter;

    public MessageRateLimiter(IOptions<AuthOptions> options)
    {
        _limit = options.Value.MessagesPerMinute;
        if (_limit > 0)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(tenant => RateLimitPartition.GetFixedWindowLimiter(tenant, _ => RateLimits.PerMinute(_limit)));
        }
    }

    /// <summary>Null when the caller may submit <paramref name="messages"/> more now; otherwise the 429 to answer.</summary>
    public ProblemHttpResult? TryTake(HttpContext context, ApiCaller caller, int messages)
    {
        if (_limiter is null)
        {
            return null;
        }

        if (messages > _limit)
        {
            // No wait lets it in whole, so it is refused without taking a permit and must be split; Retry-After still
            // says when a whole allowance is next there for the parts: within one window, as any refusal here says.
            Problems.SetRetryAfter(context, RateLimits.Window);
            return Problems.TooManyMessages(messages, _limit);
        }

        using var lease = _limiter.AttemptAcquire(caller.Tenant ?? "", messages);
        return lease.IsAcquired ? null : RateLimits.Rejected(context, lease, "messages", _limit);
    }

    public void Dispose() => _limiter?.Dispose();
}
