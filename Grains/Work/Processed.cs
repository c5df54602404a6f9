using Grains.Interfaces;

namespace Grains.Work;

/// <summary>What the backend gave an attempt: the reply, or the error or reason (and how long it asked to wait, if it did).</summary>
internal readonly record struct Processed(ProcessedKind Kind, string Text, ChatReply? Reply = null, TimeSpan Wait = default);
