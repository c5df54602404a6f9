namespace Grains.Interfaces;

/// <summary>Where a message is in its life. Only moves forward; the last three are terminal.</summary>
[GenerateSerializer, Alias("ChatStatus")]
public enum ChatStatus
{
    Queued = 0,
    Processing = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}
