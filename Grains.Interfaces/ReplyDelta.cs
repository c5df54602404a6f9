namespace Grains.Interfaces;

/// <summary>
/// A piece of the running attempt's reply. <see cref="Seq"/> numbers the pieces of one message 1, 2, 3, … and keeps
/// counting across its attempts, so a seq names one piece unambiguously; the pieces of one attempt are numbered
/// without gaps, and joined in order they are that attempt's reply so far.
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyDelta")]
public sealed record ReplyDelta(
    [property: Id(0)] string Id,
    [property: Id(1)] int Attempt,
    [property: Id(2)] long Seq,
    [property: Id(3)] string Text);
