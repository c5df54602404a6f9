namespace Grains;

/// <summary>
/// The dead-letter list as one record, the layout before <see cref="DeadLetters.DeadLetterIndex"/>. Read only to
/// move an existing deployment's list into segments, then cleared; <see cref="DeadLetter"/> is still the entry type.
/// </summary>
[GenerateSerializer, Alias("DeadLetterState")]
public sealed class DeadLetterState
{
    /// <summary>Newest first.</summary>
    [Id(0)] public List<DeadLetter> Entries { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("DeadLetter")]
public sealed record DeadLetter([property: Id(0)] string Id, [property: Id(1)] DateTimeOffset FailedAt);
