namespace Grains.Interfaces;

/// <summary>One message of the history a conversation's message is sent with.</summary>
[GenerateSerializer, Immutable, Alias("ConversationTurn")]
public sealed record ConversationTurn(
    [property: Id(0)] ConversationRole Role,
    [property: Id(1)] string Text);
