namespace WebFrontend.Model;

/// <summary>
/// Body of GET /health/live and /health/ready: "healthy", "degraded" or "unhealthy", overall and per check
/// ("cluster", and "redis" in durable mode). Never the failure's text: that goes to the frontend's log.
/// </summary>
public sealed record ProbeResponse(string Status, IReadOnlyDictionary<string, string> Checks);
