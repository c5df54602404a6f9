using Grains.Interfaces;

namespace WebFrontend.Model;

/// <summary>One entry of GET /backends. Never carries the backend's key or endpoint.</summary>
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
    long OutputTokens)
{
    public static BackendResponse From(BackendStatus s) => new(
        s.Name, s.Kind, s.Model, s.MaxConcurrency, s.InFlight, s.Queued, s.Completed, s.Failed, s.RateLimited, s.InputTokens, s.OutputTokens);
}
