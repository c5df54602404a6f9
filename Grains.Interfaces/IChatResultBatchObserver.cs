using Orleans.Concurrency;

namespace Grains.Interfaces;

/// <summary>
/// An <see cref="IChatResultObserver"/> that takes reply pieces in batches: what a silo has queued for it, over every
/// message it watches, in one call. Subscribe a reference created as this interface
/// (<c>CreateObjectReference&lt;IChatResultBatchObserver&gt;</c>: a reference carries the interface it was made for)
/// and the silos send it pieces through <see cref="OnResultNotices"/> only, never <see cref="IChatResultObserver.OnReplyDelta"/>;
/// snapshots still come one call each through <see cref="IChatResultObserver.OnResultChanged"/>, after the pieces
/// queued before them. A reference created as <see cref="IChatResultObserver"/> gets single calls, as before.
/// </summary>
[Alias("IChatResultBatchObserver")]
public interface IChatResultBatchObserver : IChatResultObserver
{
    /// <summary>
    /// Notices in the order the silo queued them. Like single calls, they can repeat or arrive late (a client's
    /// calls take any of its gateway connections): compare the seqs.
    /// </summary>
    [OneWay]
    [Alias("OnResultNotices")]
    Task OnResultNotices([Immutable] ResultNotice[] notices);
}
