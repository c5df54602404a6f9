namespace Grains.Interfaces;

/// <summary>
/// A consumer of one work-stream partition. Activated by the stream itself (implicit subscription);
/// nobody calls it directly.
/// </summary>
[Alias("IChatWorkerGrain")]
public interface IChatWorkerGrain : IGrainWithStringKey;
