namespace Grains.DeadLetters;

/// <summary>What operations on <see cref="DeadLetterIndex"/> changed since the last save, for the grain to store.</summary>
public sealed class DeadLetterChanges
{
    /// <summary>Segments whose entries changed and must be written whole (each at most a segment's size).</summary>
    public HashSet<DeadLetterSegment> Written { get; } = [];

    /// <summary>Segments that left the index, emptied or merged into a neighbour: their records are cleared.</summary>
    public List<DeadLetterSegment> Dropped { get; } = [];

    /// <summary>Whether the list of segments changed, so the directory must be written.</summary>
    public bool DirectoryChanged { get; set; }

    public bool IsEmpty => Written.Count == 0 && Dropped.Count == 0 && !DirectoryChanged;

    internal void Drop(DeadLetterSegment segment)
    {
        Written.Remove(segment);
        Dropped.Add(segment);
        DirectoryChanged = true;
    }
}
