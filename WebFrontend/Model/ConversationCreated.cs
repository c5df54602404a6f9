namespace WebFrontend.Model;

/// <summary>Body of 201 from POST /conversations.</summary>
public sealed record ConversationCreated(string Id);
