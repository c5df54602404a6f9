using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>
/// One entry of GET /backends. Never carries the backend's key or endpoint. <see cref="IsDefault"/> is true for the one
/// backend a message that names none goes to (Chat:DefaultBackend).
/// </summary>
public sealed record BackendResponse(
    string Name,
    string Kind,
    string? Model,
    int MaxConcurrency,
    int InFlight,
    int Queued,
    long Completed,
    long Failed,
    long RateLimited,
    long InputTokens,
    long OutputTokens,
    bool IsDefault)
{
    public static BackendResponse From(BackendStatus s) => new(
        s.Name, s.Kind, s.Model, s.MaxConcurrency, s.InFlight, s.Queued, s.Completed, s.Failed, s.RateLimited, s.InputTokens, s.OutputTokens, s.IsDefault);
}
