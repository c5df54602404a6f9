using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>
/// One entry of GET /backends. Never carries the backend's key or endpoint. <see cref="IsDefault"/> is true for the one
/// backend a message that names none goes to (Chat:DefaultBackend). The cap, load and totals are the operators': a
/// key that is not an admin's gets them null.
/// </summary>
public sealed record BackendResponse(
    string Name,
    string Kind,
    string? Model,
    int? MaxConcurrency,
    int? InFlight,
    int? Queued,
    long? Completed,
    long? Failed,
    long? RateLimited,
    long? InputTokens,
    long? OutputTokens,
    bool IsDefault)
{
    public static BackendResponse From(BackendStatus s) => new(
        s.Name, s.Kind, s.Model, s.MaxConcurrency, s.InFlight, s.Queued, s.Completed, s.Failed, s.RateLimited, s.InputTokens, s.OutputTokens, s.IsDefault);

    /// <summary>What any key may know: which backends there are to choose from, and the default.</summary>
    public static BackendResponse Named(BackendStatus s) => new(s.Name, s.Kind, s.Model, null, null, null, null, null, null, null, null, s.IsDefault);
}
