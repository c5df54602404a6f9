namespace Grains.Interfaces;

/// <summary>Who said a message of a conversation's history.</summary>
[GenerateSerializer, Alias("ConversationRole")]
public enum ConversationRole
{
    System = 0,
    User = 1,
    Assistant = 2,
}
