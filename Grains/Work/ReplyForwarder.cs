using System.Text;
using System.Threading.Channels;
using Grains.Diagnostics;
using Grains.Interfaces;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Grains.Work;

/// <summary>
/// Reads a backend's streamed reply and passes the text so far to the message's result grain while it arrives, in
/// coalesced pieces: one call at a time, no more often than the interval, each carrying all the text from what the
/// grain last said it holds. A slow grain means bigger pieces, never more calls; a failed call only delays its text to
/// the next one. The first piece waits an interval too, so a reply that arrives in one go (echo) costs no call: the
/// completion carries it.
/// </summary>
public sealed partial class ReplyForwarder
{
    private readonly IChatResultGrain _result;
    private readonly int _attempt;
    private readonly TimeSpan _interval;
    private readonly RepeatedFailures _failures;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();
    private readonly Channel<bool> _more = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private int _acknowledged;

    private ReplyForwarder(IChatResultGrain result, int attempt, TimeSpan interval, RepeatedFailures failures, ILogger logger) =>
        (_result, _attempt, _interval, _failures, _logger) = (result, attempt, interval, failures, logger);

    /// <summary>
    /// The whole response, as <see cref="ChatResponseExtensions.ToChatResponse(IEnumerable{ChatResponseUpdate})"/> makes it.
    /// Returns (or throws) only once no call to the grain is in flight, so the outcome is recorded after the last piece.
    /// </summary>
    public static async Task<ChatResponse> ReadAsync(
        IAsyncEnumerable<ChatResponseUpdate> updates, IChatResultGrain result, int attempt, TimeSpan interval, RepeatedFailures failures, ILogger logger)
    {
        var forwarder = new ReplyForwarder(result, attempt, interval, failures, logger);
        var pump = forwarder.PumpAsync();
        var received = new List<ChatResponseUpdate>();
        try
        {
            await foreach (var update in updates)
            {
                received.Add(update);
                forwarder.Add(update.Text);
            }
        }
        finally
        {
            await forwarder._stop.CancelAsync();
            forwarder._more.Writer.TryComplete();
            await pump;
            forwarder._stop.Dispose();
        }

        return received.ToChatResponse();
    }

    private void Add(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            _text.Append(text);
        }

        _more.Writer.TryWrite(true);
    }

    // Ends without an exception when the reply does: one per message was a measurable share of a busy silo's CPU.
    private async Task PumpAsync()
    {
        var sentAt = TimeProvider.System.GetTimestamp();
        while (await _more.Reader.WaitToReadAsync())
        {
            _more.Reader.TryRead(out _);
            var wait = _interval - TimeProvider.System.GetElapsedTime(sentAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext | ConfigureAwaitOptions.SuppressThrowing);
            }

            // The reply has ended (or ended while this loop was late, on a busy machine): its completion carries
            // whatever was not sent.
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            sentAt = TimeProvider.System.GetTimestamp();
            if (!await SendAsync())
            {
                return;
            }
        }
    }

    /// <summary>False once the grain says the attempt is no longer running.</summary>
    private async Task<bool> SendAsync()
    {
        string piece;
        int offset;
        lock (_lock)
        {
            offset = _acknowledged;
            piece = _text.ToString(offset, _text.Length - offset);
        }

        try
        {
            var outcome = await _result.AppendReply(_attempt, offset, piece);
            if (_failures.Recovered(out var unlogged))
            {
                LogRecovered(_logger, unlogged);
            }

            // What the grain holds is where the next piece starts: past a piece it took, or back where it stands after a
            // reload.
            Volatile.Write(ref _acknowledged, Math.Min(outcome.Length, offset + piece.Length));
            return outcome.Running;
        }
        catch (Exception exception)
        {
            if (_failures.Failed(out var failures))
            {
                LogFailed(_logger, failures, RepeatedFailures.Describe(exception));
            }

            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Passing partial replies to result grains failed {Failures} times since the last such line; the next pieces carry their text. Last: {Error}")]
    private static partial void LogFailed(ILogger logger, int failures, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partial replies reach result grains again ({Failures} more failures)")]
    private static partial void LogRecovered(ILogger logger, int failures);
}
