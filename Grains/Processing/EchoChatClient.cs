using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
// Not the "Chat" section's ChatOptions, which Grains.csproj imports everywhere: these are per-request AI options.

namespace Grains.Processing;

/// <summary>The built-in processor: replies with exactly the text of the last user message.</summary>
public sealed class EchoChatClient : IChatClient
{
    private static readonly ChatClientMetadata Metadata = new(providerName: "echo");

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, LastUserText(messages))));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield return new ChatResponseUpdate(ChatRole.Assistant, LastUserText(messages));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static string LastUserText(IEnumerable<ChatMessage> messages) =>
        messages.LastOrDefault(message => message.Role == ChatRole.User)?.Text ?? "";
}
