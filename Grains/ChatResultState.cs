using Grains.Interfaces;

namespace Grains;

/// <summary>What a result grain stores. Field ids are the storage format: add new ids, never reuse one.</summary>
[GenerateSerializer, Alias("ChatResultState")]
public sealed class ChatResultState
{
    [Id(0)] public string Message { get; set; } = "";
    [Id(1)] public ChatStatus Status { get; set; }
    [Id(2)] public string? Reply { get; set; }
    [Id(3)] public string? Error { get; set; }
    [Id(4)] public int Attempts { get; set; }
    [Id(5)] public string? Silo { get; set; }
    [Id(6)] public string? Worker { get; set; }
    [Id(7)] public DateTimeOffset EnqueuedAt { get; set; }
    [Id(8)] public DateTimeOffset? StartedAt { get; set; }
    [Id(9)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(10)] public long Version { get; set; }

    /// <summary>Attempts made before the current round; a manual retry starts a new round of attempts.</summary>
    [Id(11)] public int RoundStartAttempts { get; set; }

    /// <summary>The running attempt's silo, generation included, to tell whether that silo is still alive.</summary>
    [Id(12)] public string? SiloAddress { get; set; }

    /// <summary>Which claim started the running attempt, so a claim repeated after a lost answer gets it back.</summary>
    [Id(13)] public Guid Claim { get; set; }
}
