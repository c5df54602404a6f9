namespace Grains.DeadLetters;

/// <summary>
/// Which segment records make up the dead-letter index, oldest first. Written only when a segment is added or
/// dropped (about once every few hundred failures), so it stays small and off the path of a single change.
/// </summary>
[GenerateSerializer, Alias("DeadLetterDirectory")]
public sealed class DeadLetterDirectory
{
    [Id(0)] public List<long> Segments { get; set; } = [];

    /// <summary>The number the next new segment gets. Numbers are never reused: a new segment starts a fresh record.</summary>
    [Id(1)] public long NextSegment { get; set; }
}
