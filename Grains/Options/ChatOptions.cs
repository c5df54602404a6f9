using System.ComponentModel.DataAnnotations;
using Grains.Interfaces;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>Admission rules for new messages (section "Chat").</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    [Range(1, 1_000_000)]
    public int MaxMessageLength { get; set; } = ChatRules.DefaultMaxMessageLength;

    /// <summary>Accepted-but-not-started messages the cluster holds before new ones get 503.</summary>
    [Range(1, 100_000_000)]
    public int MaxBacklog { get; set; } = 10_000;
}

[OptionsValidator]
public sealed partial class ChatOptionsValidator : IValidateOptions<ChatOptions>;
