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
/// What is stored while an attempt runs is not the counter but a reservation above it
/// (<see cref="SeqToStore"/>): a grain that loses its memory mid-attempt (its silo dies) is loaded again with the
/// reservation and numbers above every seq it gave out, so a watcher resuming after one of them never mistakes a
/// later attempt's piece for one it has seen. An attempt that outruns its reservation asks to be stored again
/// (<see cref="OutranReservation"/>), once per <see cref="ReservedSeqs"/> pieces. The stored state of a finished
/// message holds the counter itself, so seqs run 1, 2, 3, … unless a grain was lost mid-attempt.
/// </remarks>
public sealed class ReplyStream(string id, long lastSeq)
{
    private List<ReplyDelta> _deltas = [];
    private StringBuilder _text = new();

    /// <summary>How many seqs a store while an attempt runs sets aside: one extra write per this many pieces.</summary>
    public const int ReservedSeqs = 1000;

    /// <summary>The seq of the last delta made, by this attempt or an earlier one.</summary>
    public long LastSeq { get; private set; } = lastSeq;

    /// <summary>The highest seq storage knows of: the next activation numbers above it.</summary>
    private long _stored = lastSeq;

    /// <summary>True when a running attempt has given out seqs that storage does not cover: store before going on.</summary>
    public bool OutranReservation => Running && LastSeq > _stored;

    /// <summary>
    /// The seq to store with <paramref name="state"/>, and from then on the highest one storage covers: the counter for
    /// a state with no running attempt, a reservation above it for one with.
    /// </summary>
    public long SeqToStore(MessageState state)
    {
        _stored = state.Status == ChatStatus.Processing ? LastSeq + ReservedSeqs : LastSeq;
        return _stored;
    }

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
