using System.Text;
using Grains.Interfaces;
using Grains.Lifecycle;

namespace Grains.Results;

/// <summary>
/// The reply of a message's running attempt as it streams in, held in memory only (storing it per piece would cost a
/// write per piece; the whole reply is stored once, with the outcome). Each piece the worker sends becomes one
/// <see cref="ReplyDelta"/>, numbered by a counter that continues across attempts. When the attempt ends its deltas are
/// dropped, unless it completed the message: those stay for late resumers while the grain is in memory.
/// </summary>
/// <remarks>
/// The counter is stored with each state the grain stores (<see cref="ChatResultState.ReplySeq"/>), so a grain loaded
/// again continues above every seq of earlier transitions. If a silo dies mid-attempt, what it held is lost: that
/// attempt's text (the attempt is run again from the start, announced by a claim) and the seqs it gave out after the
/// last stored state, which the next attempt may give out again. A watcher that resumes after such a seq is recognised
/// only when it names one beyond the counter; otherwise it misses the new attempt's deltas up to that seq, and still
/// gets the whole reply in the final result.
/// </remarks>
public sealed class ReplyStream(string id, long lastSeq)
{
    private List<ReplyDelta> _deltas = [];
    private StringBuilder _text = new();

    /// <summary>The seq of the last delta made, by this attempt or an earlier one.</summary>
    public long LastSeq { get; private set; } = lastSeq;

    /// <summary>The attempt whose reply is held (running or completed); 0 when none.</summary>
    public int Attempt { get; private set; }

    public bool Running { get; private set; }

    /// <summary>The running attempt's reply so far; null when no attempt runs.</summary>
    public string? Partial => Running ? _text.ToString() : null;

    /// <summary>
    /// Keeps up with the message's state: a new running attempt starts with an empty reply; an attempt that ended
    /// drops its deltas, unless it completed the message. Then the part of the reply not sent as pieces yet (all of it,
    /// for a reply that came in one go) becomes one last delta, returned, so the deltas always join up to the reply.
    /// </summary>
    public ReplyDelta? Follow(MessageState? state)
    {
        if (state is null)
        {
            return null;
        }

        if (state.Status == ChatStatus.Processing)
        {
            if (!Running || Attempt != state.Attempts)
            {
                Clear();
                (Attempt, Running) = (state.Attempts, true);
            }

            return null;
        }

        if (!Running)
        {
            return null;
        }

        Running = false;
        if (state is { Status: ChatStatus.Completed, Reply: { } reply } && state.Attempts == Attempt
            && reply.Length >= _text.Length && _text.Equals(reply.AsSpan(0, _text.Length)))
        {
            return reply.Length > _text.Length ? Add(reply[_text.Length..]) : null;
        }

        Clear();
        return null;
    }

    /// <summary>
    /// Takes the part of <paramref name="text"/> (which starts at <paramref name="offset"/> of the attempt's reply)
    /// beyond what is held; <paramref name="delta"/> is the new piece, null if nothing was new or the text starts past
    /// what is held.
    /// </summary>
    public AppendOutcome Append(int attempt, int offset, string text, out ReplyDelta? delta)
    {
        delta = null;
        if (!Running || attempt != Attempt)
        {
            return AppendOutcome.NotRunning;
        }

        var fresh = offset + text.Length - _text.Length;
        if (offset <= _text.Length && fresh > 0)
        {
            delta = Add(text[^fresh..]);
        }

        return new AppendOutcome(true, _text.Length);
    }

    /// <summary>
    /// The held attempt's deltas after <paramref name="afterSeq"/>; all of them when it is older than the attempt's
    /// first, or newer than any seq given out here (it names a piece of an attempt lost with its silo).
    /// </summary>
    public ReplyDelta[] After(long afterSeq)
    {
        if (_deltas.Count == 0)
        {
            return [];
        }

        // An attempt's seqs have no gaps, so the position follows from the seq.
        var first = _deltas[0].Seq;
        var skip = afterSeq < first || afterSeq > LastSeq ? 0 : (int)(afterSeq - first + 1);
        return _deltas.Skip(skip).ToArray();
    }

    private ReplyDelta Add(string text)
    {
        var delta = new ReplyDelta(id, Attempt, ++LastSeq, text);
        _deltas.Add(delta);
        _text.Append(text);
        return delta;
    }

    /// <summary>New buffers rather than cleared ones, which would keep the old reply's capacity.</summary>
    private void Clear()
    {
        if (_deltas.Count > 0)
        {
            (_deltas, _text) = ([], new StringBuilder());
        }

        Attempt = 0;
    }
}
