namespace WebFrontend.Model;

/// <summary>
/// Body of POST /conversations: the backend every message of it goes to (without one, the cluster's default) and the
/// system prompt sent before its history (none without one).
/// </summary>
public sealed record ConversationRequest(string? Backend = null, string? System = null);
