namespace WebFrontend.Model;

/// <summary>Body of 202 from POST /chat.</summary>
public sealed record ChatAccepted(string Id, string Status);
