using System.ComponentModel.DataAnnotations;
using Grains.Interfaces;
using Microsoft.Extensions.Options;

namespace WebFrontend.Apis;

/// <summary>What the frontend accepts (section "Chat"; the silos read the same section).</summary>
public sealed class ChatFrontendOptions
{
    public const string Section = "Chat";

    [Range(1, 1_000_000)]
    public int MaxMessageLength { get; set; } = ChatRules.DefaultMaxMessageLength;

    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

[OptionsValidator]
public sealed partial class ChatFrontendOptionsValidator : IValidateOptions<ChatFrontendOptions>;
