namespace Grains.Backends;

/// <summary>
/// The backend turned a request away for now (429, or 503 with Retry-After): not the message's fault, so it waits
/// <see cref="RetryAfter"/> and is tried again without spending one of its attempts.
/// </summary>
public sealed class BackendBusyException(int status, TimeSpan retryAfter)
    : Exception($"The backend answered {status} and asked to wait {retryAfter.TotalSeconds:0.###} s.")
{
    public int Status { get; } = status;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
