namespace Grains.DeadLetters;

/// <summary>
/// The dead letters in the order they arrived, cut into segments that are stored as separate records.
/// </summary>
/// <remarks>
/// Why segments: one record holding the whole list made every add and remove rewrite up to the capacity
/// (100,000 ids). Here an entry lives in one segment of at most <c>segmentSize</c> entries;
/// an id → segment map finds it, so an add rewrites the newest segment (and the oldest when the capacity
/// drops an entry), a remove rewrites the one segment that held the id, and the directory of segment numbers
/// changes only when a segment is created, emptied or merged. A page walks the segment counts from the newest
/// end and copies ids only from the segments it covers. Whenever two neighbours together fit in one segment
/// they are merged, so removals cannot leave many near-empty segments: there are at most
/// 2 × count / segmentSize + 1 of them. The map is not stored: loading reads every segment once.
/// Nothing here touches storage; the grain writes what <see cref="DeadLetterChanges"/> lists.
/// </remarks>
public sealed class DeadLetterIndex(int segmentSize, int capacity)
{
    // Oldest segment first, and within a segment oldest entry first: a new entry goes last.
    private readonly LinkedList<DeadLetterSegment> _segments = new();
    private readonly Dictionary<string, LinkedListNode<DeadLetterSegment>> _segmentOf = new(StringComparer.Ordinal);

    public int Count => _segmentOf.Count;

    public long NextSegment { get; private set; }

    /// <summary>Oldest first.</summary>
    public IReadOnlyCollection<DeadLetterSegment> Segments => _segments;

    /// <summary>
    /// Rebuilds the index from the stored segments, oldest first. What an interrupted save left behind is repaired
    /// here: an id stored in two segments keeps its newer place, empty segments go, and the oldest entries beyond
    /// the capacity are dropped.
    /// </summary>
    public void Load(IEnumerable<DeadLetterSegment> listed, long nextSegment, DeadLetterChanges changes)
    {
        foreach (var segment in listed)
        {
            _segments.AddLast(segment);
        }

        NextSegment = nextSegment;
        var repaired = new List<LinkedListNode<DeadLetterSegment>>();
        for (var node = _segments.Last; node is not null; node = node.Previous)
        {
            var entries = node.Value.Entries;
            var loaded = entries.Count;
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                if (!_segmentOf.TryAdd(entries[i].Id, node))
                {
                    entries.RemoveAt(i);
                }
            }

            if (entries.Count == 0 || entries.Count != loaded)
            {
                changes.Written.Add(node.Value);
                repaired.Add(node);
            }
        }

        foreach (var node in repaired.Where(node => node.List is not null))
        {
            Compact(node, changes);
        }

        while (Count > capacity)
        {
            DropOldest(changes);
        }
    }

    /// <summary>Adds the id as the newest entry; an id already present moves there, so it is never listed twice.</summary>
    public void Add(string id, DateTimeOffset failedAt, DeadLetterChanges changes)
    {
        var entry = new DeadLetter(id, failedAt);
        var newest = _segments.Last;
        if (_segmentOf.Remove(id, out var previous))
        {
            RemoveEntry(previous.Value, id);
            if (previous == newest)
            {
                previous.Value.Entries.Add(entry);
                _segmentOf[id] = previous;
                changes.Written.Add(previous.Value);
                return;
            }
        }

        if (newest is null || newest.Value.Entries.Count >= segmentSize)
        {
            newest = _segments.AddLast(new DeadLetterSegment { Number = NextSegment++ });
            changes.DirectoryChanged = true;
        }

        newest.Value.Entries.Add(entry);
        _segmentOf[id] = newest;
        changes.Written.Add(newest.Value);
        if (previous is not null)
        {
            changes.Written.Add(previous.Value);
            Compact(previous, changes);
        }

        while (Count > capacity)
        {
            DropOldest(changes);
        }
    }

    /// <summary>Removes the id; false, with nothing to store, if it is not listed.</summary>
    public bool Remove(string id, DeadLetterChanges changes)
    {
        if (!_segmentOf.Remove(id, out var node))
        {
            return false;
        }

        RemoveEntry(node.Value, id);
        changes.Written.Add(node.Value);
        Compact(node, changes);
        return true;
    }

    /// <summary>Ids newest first, skipping <paramref name="skip"/>; empty past the end.</summary>
    public IReadOnlyList<string> Page(long skip, int take)
    {
        var ids = new List<string>();
        var remaining = Math.Max(0, skip);
        for (var node = _segments.Last; node is not null && ids.Count < take; node = node.Previous)
        {
            // Whole segments before the page are skipped by their count alone.
            var entries = node.Value.Entries;
            for (var i = entries.Count - 1 - remaining; i >= 0 && ids.Count < take; i--)
            {
                ids.Add(entries[(int)i].Id);
            }

            remaining = Math.Max(0, remaining - entries.Count);
        }

        return ids;
    }

    private void DropOldest(DeadLetterChanges changes)
    {
        var oldest = _segments.First!;
        _segmentOf.Remove(oldest.Value.Entries[0].Id);
        oldest.Value.Entries.RemoveAt(0);
        changes.Written.Add(oldest.Value);
        Compact(oldest, changes);
    }

    /// <summary>After a segment shrank: drop it if empty, else merge it with a neighbour it now fits with.</summary>
    private void Compact(LinkedListNode<DeadLetterSegment> node, DeadLetterChanges changes)
    {
        if (node.Value.Entries.Count == 0)
        {
            _segments.Remove(node);
            changes.Drop(node.Value);
        }
        else if (node.Previous is { } older && older.Value.Entries.Count + node.Value.Entries.Count <= segmentSize)
        {
            MergeInto(older, node, changes);
        }

        if (node.List is not null && node.Next is { } newer && node.Value.Entries.Count + newer.Value.Entries.Count <= segmentSize)
        {
            MergeInto(node, newer, changes);
        }
    }

    // The newer segment survives, so the newest segment is never merged away while entries are appended to it.
    private void MergeInto(LinkedListNode<DeadLetterSegment> older, LinkedListNode<DeadLetterSegment> newer, DeadLetterChanges changes)
    {
        newer.Value.Entries.InsertRange(0, older.Value.Entries);
        foreach (var entry in older.Value.Entries)
        {
            _segmentOf[entry.Id] = newer;
        }

        _segments.Remove(older);
        changes.Drop(older.Value);
        changes.Written.Add(newer.Value);
    }

    private static void RemoveEntry(DeadLetterSegment segment, string id) =>
        segment.Entries.RemoveAt(segment.Entries.FindIndex(entry => string.Equals(entry.Id, id, StringComparison.Ordinal)));
}
