namespace Grains.Interfaces;

/// <summary>The dispatcher's answer to an invalid id or message. Its own type, so callers can tell it from other argument errors.</summary>
[GenerateSerializer, Alias("ChatValidationException")]
public sealed class ChatValidationException(string message) : ArgumentException(message);
