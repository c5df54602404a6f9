using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
// Not the "Chat" section's ChatOptions, which Grains.csproj imports everywhere: these are per-request AI options.

namespace Grains.Processing;

/// <summary>Adds a fixed delay before any processor answers, to stand in for a slow backend.</summary>
public sealed class SimulatedLatencyChatClient(IChatClient inner, TimeSpan delay) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await Task.Delay(delay, cancellationToken);
        return await base.GetResponseAsync(messages, options, cancellationToken);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Delay(delay, cancellationToken);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            yield return update;
        }
    }
}
