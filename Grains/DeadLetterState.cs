namespace Grains;

[GenerateSerializer, Alias("DeadLetterState")]
public sealed class DeadLetterState
{
    /// <summary>Newest first.</summary>
    [Id(0)] public List<DeadLetter> Entries { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("DeadLetter")]
public sealed record DeadLetter([property: Id(0)] string Id, [property: Id(1)] DateTimeOffset FailedAt);
