namespace Grains.Backends;

/// <summary>
/// Leave to send one request to a backend. Released once the backend has answered (or the request will not be
/// sent), with the tokens it used, so a per-minute token budget is charged for what was really spent.
/// </summary>
public sealed class BackendPermit
{
    private readonly BackendPermits _permits;
    private readonly string _backend;
    private readonly Guid? _permit;
    private readonly int _estimatedTokens;
    private int _released;

    internal BackendPermit(BackendPermits permits, string backend, Guid? permit, int estimatedTokens)
    {
        _permits = permits;
        _backend = backend;
        _permit = permit;
        _estimatedTokens = estimatedTokens;
    }

    /// <summary>Frees the permit; only the first call counts. Never throws: a permit not released expires at its gate.</summary>
    public Task ReleaseAsync(int usedTokens = 0)
    {
        if (Interlocked.Exchange(ref _released, 1) == 1 || _permit is not { } permit)
        {
            return Task.CompletedTask;
        }

        return _permits.ReleaseAsync(_backend, permit, Math.Max(0, usedTokens - _estimatedTokens));
    }
}
