using Grains.Interfaces;
using Orleans.Streams;

namespace Grains.Work;

/// <summary>A work item as a worker received it: the token is what acknowledges its stream entry once done.</summary>
public readonly record struct ReceivedWork(ChatWorkItem Item, StreamSequenceToken? Token);
