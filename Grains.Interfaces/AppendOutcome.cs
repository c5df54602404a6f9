namespace Grains.Interfaces;

/// <summary>
/// The answer to a worker's piece of reply. <see cref="Length"/> is how much of the attempt's reply the result grain
/// holds: the next piece starts there. Not <see cref="Running"/>: the attempt is over (taken over, cancelled, ended),
/// so the worker should stop sending.
/// </summary>
[GenerateSerializer, Immutable, Alias("AppendOutcome")]
public sealed record AppendOutcome(
    [property: Id(0)] bool Running,
    [property: Id(1)] int Length)
{
    public static AppendOutcome NotRunning { get; } = new(false, 0);
}
