namespace Grains.Interfaces;

/// <summary>What a client asks the cluster to process. <paramref name="Id"/> is already chosen (by the client or the frontend).</summary>
[GenerateSerializer, Immutable, Alias("ChatSubmission")]
public sealed record ChatSubmission(
    [property: Id(0)] string Id,
    [property: Id(1)] string Message);
