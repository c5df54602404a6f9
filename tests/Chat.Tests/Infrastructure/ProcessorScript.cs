namespace Chat.Tests.Infrastructure;

/// <summary>
/// One test's messages for the scripted processor (<see cref="ScriptedChatClient"/>). Every text carries a
/// marker made for this script alone, so the calls, cancellations and gates a test reads are its own,
/// whichever tests ran before it and however often.
/// </summary>
public sealed class ProcessorScript
{
    private readonly string _marker = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Echoed at once.</summary>
    public string Echo(string words) => Text("echo", words);

    /// <summary>Fails its first <paramref name="times"/> calls, then echoes.</summary>
    public string Fail(int times, string words) => Text($"fail-{times}", words);

    /// <summary>Waits for its CancellationToken on every call.</summary>
    public string Hang(string words) => Text("hang", words);

    /// <summary>Waits for its CancellationToken on its first <paramref name="times"/> calls, then echoes.</summary>
    public string Hang(int times, string words) => Text($"hang-{times}", words);

    /// <summary>Waits until <see cref="Release"/> (or its CancellationToken), then echoes.</summary>
    public string Hold(string words) => Text("hold", words);

    /// <summary>Ignores its CancellationToken on its first <paramref name="times"/> calls and answers only after <see cref="Release"/>.</summary>
    public string Stuck(int times, string words) => Text($"stuck-{times}", words);

    /// <summary>What the processor did with one of this script's texts.</summary>
    public ScriptTrace Trace(string text)
    {
        Assert.Contains($"#{_marker}", text, StringComparison.Ordinal);
        return ScriptedChatClient.TraceOf(text);
    }

    public void Release(string text) => Trace(text).Release();

    /// <summary>Waits until the processor is running <paramref name="text"/>: its call has started and not returned.</summary>
    public Task WaitUntilRunning(string text, int calls = 1, TimeSpan? timeout = null) =>
        Eventually.Returns(() => Task.FromResult(Trace(text)), trace => trace.Calls >= calls && trace.Running > 0,
            $"call {calls} of the processor on '{text}' to be running", timeout);

    /// <summary>Waits until <paramref name="count"/> calls on <paramref name="text"/> saw their CancellationToken fire.</summary>
    public Task<ScriptTrace> WaitUntilCancelled(string text, int count = 1, TimeSpan? timeout = null) =>
        Eventually.Returns(() => Task.FromResult(Trace(text)), trace => trace.Cancellations.Count >= count,
            $"{count} calls of the processor on '{text}' to see their CancellationToken fire", timeout);

    private string Text(string verb, string words) => $"{verb} {words} #{_marker}";
}
