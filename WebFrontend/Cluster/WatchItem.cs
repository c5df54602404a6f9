using Grains.Interfaces;

namespace WebFrontend.Cluster;

/// <summary>
/// One thing a watch passes on: a new snapshot, or a piece of the reply. <see cref="FromSeq"/> is the first seq the
/// piece covers: pieces a slow reader had not taken yet are merged into one, whose seq is the last of them.
/// </summary>
public sealed record WatchItem(ChatResult? Result, ReplyDelta? Delta, long FromSeq)
{
    public static WatchItem Of(ChatResult result) => new(result, null, 0);

    public static WatchItem Of(ReplyDelta delta) => new(null, delta, delta.Seq);
}
