using System.ComponentModel.DataAnnotations;
using Grains.Interfaces;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>What the cluster accepts (section "Chat"): the frontend checks it first, the silos enforce it.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    [Range(1, 1_000_000)]
    public int MaxMessageLength { get; set; } = ChatRules.DefaultMaxMessageLength;

    /// <summary>Silo: accepted-but-not-started messages the cluster holds before new ones get 503.</summary>
    [Range(1, 100_000_000)]
    public int MaxBacklog { get; set; } = 10_000;

    /// <summary>Silo: the backend a message goes to when it names none. <c>echo</c> is built in and always exists.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9_.]{0,63}$", ErrorMessage = "The backend name must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '.'.")]
    public string DefaultBackend { get; set; } = BackendNames.Echo;

    /// <summary>Frontend: the most messages one POST /chat/batch may hold; more get 413.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>Frontend: larger request bodies get 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

[OptionsValidator]
public sealed partial class ChatOptionsValidator : IValidateOptions<ChatOptions>;
