using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>How conversations remember (section "Conversations").</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>
    /// Earlier messages and replies (each counts as one) sent to the backend with a conversation's new message, the
    /// most recent ones; the system prompt is always sent besides. Bounds what one call costs however long a
    /// conversation grows.
    /// </summary>
    [Range(0, 1000)]
    public int MaxHistoryMessages { get; set; } = 20;
}

[OptionsValidator]
public sealed partial class ConversationOptionsValidator : IValidateOptions<ConversationOptions>;
