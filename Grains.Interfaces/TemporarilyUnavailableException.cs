namespace Grains.Interfaces;

/// <summary>
/// The cluster could not do this now because something it depends on (grain storage, the work stream, membership,
/// another silo) failed; nothing about the request was wrong, and repeating it after <see cref="RetryAfter"/> is
/// safe. Silos throw it in place of the infrastructure's own exceptions, whose types a client may not be able to
/// load. The message is one sentence meant for the client; the cause stays in the silo's log.
/// </summary>
[GenerateSerializer, Alias("TemporarilyUnavailableException")]
public sealed class TemporarilyUnavailableException(string message, TimeSpan retryAfter) : Exception(message)
{
    [Id(0)]
    public TimeSpan RetryAfter { get; } = retryAfter;
}
