namespace Grains.DeadLetters;

/// <summary>
/// One slice of the dead-letter index: at most <see cref="DeadLetterGrain.SegmentSize"/> entries, oldest first,
/// stored as its own record so that a change rewrites this slice and nothing else. The index holds these in
/// memory; a save stores copies taken when it starts.
/// </summary>
[GenerateSerializer, Alias("DeadLetterSegment")]
public sealed class DeadLetterSegment
{
    /// <summary>The segment's record number; a number is never reused once given out.</summary>
    [Id(0)] public long Number { get; set; }

    [Id(1)] public List<DeadLetter> Entries { get; set; } = [];
}
