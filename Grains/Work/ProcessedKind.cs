namespace Grains.Work;

/// <summary>How an attempt's call to its backend ended.</summary>
internal enum ProcessedKind
{
    Replied,
    Failed,
    Cancelled,
    CutOff,
    Busy,
}
