using Grains.Interfaces;

namespace Grains.Results;

/// <summary>
/// The reply pieces waiting to be sent to one batch observer, in the order they came. Bounded: past <c>capacity</c>, a
/// piece that follows its message's last queued piece is merged into it (the observer gets the same text at the same
/// moment, as one piece), and any other is dropped: the watcher sees the gap in the seqs, or a snapshot naming pieces it
/// lacks, and catches up from the result grain.
/// </summary>
public sealed class NoticeQueue(int capacity)
{
    private readonly List<ResultNotice> _notices = [];

    // Where each message's last piece is, kept only once past capacity (until then nothing is merged or dropped).
    private Dictionary<string, int>? _lastOf;

    public int Count => _notices.Count;

    public void Add(ReplyDelta delta)
    {
        if (_notices.Count < capacity)
        {
            _notices.Add(ResultNotice.Of(delta));
            return;
        }

        _lastOf ??= Index();
        if (_lastOf.TryGetValue(delta.Id, out var at) && _notices[at] is { Delta: { } last } held
            && last.Attempt == delta.Attempt && last.Seq + 1 == delta.Seq)
        {
            _notices[at] = held with { Delta = delta with { Text = last.Text + delta.Text } };
        }
    }

    /// <summary>Everything queued, oldest first; the queue is empty after.</summary>
    public ResultNotice[] TakeAll()
    {
        var all = _notices.ToArray();
        _notices.Clear();
        _lastOf = null;
        return all;
    }

    private Dictionary<string, int> Index()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _notices.Count; i++)
        {
            index[_notices[i].Id] = i;
        }

        return index;
    }
}
