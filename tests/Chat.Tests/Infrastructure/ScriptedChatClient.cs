using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A processor whose behaviour the first word of the message text chooses:
/// <list type="bullet">
/// <item>"fail-N ..." fails its first N calls, then echoes;</item>
/// <item>"hang ..." waits for its CancellationToken on every call; "hang-N ..." on its first N calls, then echoes;</item>
/// <item>"hold ..." waits until the test releases it (or its token fires), then echoes;</item>
/// <item>"stuck-N ..." ignores its token on its first N calls (the trace still records it firing) and answers
/// only once released, as a backend that never honours cancellation; each reply names its call, so a late
/// one can be told apart;</item>
/// <item>anything else echoes.</item>
/// </list>
/// What happens to each text is recorded in its <see cref="ScriptTrace"/>. Tests make their texts through a
/// <see cref="ProcessorScript"/>, whose marker no other test uses, so no test sees another's counts.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    // Shared by every silo of the in-process test cluster: a retry may run on another silo.
    private static readonly ConcurrentDictionary<string, ScriptTrace> Traces = new();

    internal static ScriptTrace TraceOf(string text) => Traces.GetOrAdd(text, _ => new ScriptTrace());

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = messages.Last().Text;
        var trace = TraceOf(text);
        var call = trace.Started([.. messages.Select(message => (message.Role.Value, message.Text))]);
        try
        {
            var (verb, times) = Verb(text);
            var scripted = times is null || call <= times;
            switch (verb)
            {
                case "hang" when scripted:
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    break;
                case "hold":
                    await trace.Released.WaitAsync(cancellationToken);
                    break;
                case "stuck" when scripted:
                    // The token is seen to fire, and ignored.
                    using (cancellationToken.Register(() => trace.Cancelled(call)))
                    {
                        await trace.Released;
                    }

                    return Reply($"{text} [call {call}]");
                case "stuck":
                    return Reply($"{text} [call {call}]");
                case "fail" when times is { } failures && call <= failures:
                    throw new InvalidOperationException($"scripted failure {call} of {failures}");
            }

            return Reply(text);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            trace.Cancelled(call);
            throw;
        }
        finally
        {
            trace.Ended();
        }
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

    private static ChatResponse Reply(string text) => new(new ChatMessage(ChatRole.Assistant, text));

    /// <summary>"fail-3 rest" is ("fail", 3); "hold rest" is ("hold", null).</summary>
    private static (string Verb, int? Times) Verb(string text)
    {
        var word = text.Split(' ', 2)[0];
        var dash = word.IndexOf('-');
        return dash > 0 && int.TryParse(word.AsSpan(dash + 1), CultureInfo.InvariantCulture, out var times)
            ? (word[..dash], times)
            : (word, null);
    }
}

/// <summary>What the scripted processor did with one text, on any silo.</summary>
public sealed class ScriptTrace
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<int, DateTimeOffset> _startedAt = new();
    private readonly ConcurrentQueue<(int Call, TimeSpan After)> _cancellations = new();
    private readonly ConcurrentDictionary<int, IReadOnlyList<(string Role, string Text)>> _prompts = new();
    private int _calls;
    private int _running;

    /// <summary>Calls so far, finished or not.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Calls still inside the processor.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>For each call whose CancellationToken fired: which call, and how long after it started.</summary>
    public IReadOnlyList<(int Call, TimeSpan After)> Cancellations => [.. _cancellations];

    internal Task Released => _released.Task;

    /// <summary>When the given call (1 for the first) reached the processor.</summary>
    public DateTimeOffset StartedAt(int call) => _startedAt[call];

    /// <summary>What the given call was sent, role ("system", "user", "assistant") and text, the text itself last.</summary>
    public IReadOnlyList<(string Role, string Text)> Prompt(int call) => _prompts[call];

    /// <summary>Lets every held or stuck call of this text answer, and every later call pass straight through.</summary>
    public void Release() => _released.TrySetResult();

    internal int Started(IReadOnlyList<(string Role, string Text)> prompt)
    {
        Interlocked.Increment(ref _running);
        var call = Interlocked.Increment(ref _calls);
        _startedAt[call] = DateTimeOffset.UtcNow;
        _prompts[call] = prompt;
        return call;
    }

    internal void Cancelled(int call) => _cancellations.Enqueue((call, DateTimeOffset.UtcNow - _startedAt[call]));

    internal void Ended() => Interlocked.Decrement(ref _running);

    public override string ToString() => $"{Calls} calls, {Running} running, {_cancellations.Count} cancelled";
}
