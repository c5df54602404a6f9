using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A processor whose behaviour the message text chooses: "fail-N ..." fails its first N attempts then
/// echoes, "hang ..." never answers until cancelled, anything else echoes.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    // Shared by every silo of the in-process test cluster: a retry may run on another silo.
    private static readonly ConcurrentDictionary<string, int> Calls = new();
    private static readonly ConcurrentDictionary<string, bool> Cancelled = new();

    /// <summary>How many times the processor was called for this exact message text, on any silo.</summary>
    public static int CallsFor(string text) => Calls.GetValueOrDefault(text);

    /// <summary>Whether a "hang" call for this text saw its cancellation token fire.</summary>
    public static bool WasCancelled(string text) => Cancelled.ContainsKey(text);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = messages.Last().Text;
        var call = Calls.AddOrUpdate(text, 1, (_, count) => count + 1);
        if (text.StartsWith("hang", StringComparison.Ordinal))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled[text] = true;
                throw;
            }
        }

        if (text.StartsWith("fail-", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5, text.IndexOf(' ') - 5), CultureInfo.InvariantCulture, out var failures)
            && call <= failures)
        {
            throw new InvalidOperationException($"scripted failure {call} of {failures}");
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
