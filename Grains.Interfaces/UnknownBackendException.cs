namespace Grains.Interfaces;

/// <summary>A message named a backend the cluster does not have. <see cref="Known"/> lists those it has.</summary>
[GenerateSerializer, Alias("UnknownBackendException")]
public sealed class UnknownBackendException(string backend, IReadOnlyList<string> known)
    : Exception($"There is no backend named '{backend}'. Known backends: {string.Join(", ", known)}.")
{
    [Id(0)]
    public string Backend { get; } = backend;

    [Id(1)]
    public IReadOnlyList<string> Known { get; } = known;
}
