namespace WebFrontend.Model;

/// <summary>Body of POST /chat. <see cref="Id"/> is optional; giving one makes the call idempotent.</summary>
public sealed record ChatRequest(string? Message, string? Id);
