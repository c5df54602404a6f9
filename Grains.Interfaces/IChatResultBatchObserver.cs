using Orleans.Concurrency;

namespace Grains.Interfaces;

/// <summary>
/// An <see cref="IChatResultObserver"/> that takes its notifications in batches: what a silo has queued for it, over
/// every message it watches, in one call. Subscribe a reference of this interface (created with
/// <c>CreateObjectReference&lt;IChatResultBatchObserver&gt;</c>) and the silos send it batches only; the single calls
/// of <see cref="IChatResultObserver"/> are for references of that interface alone.
/// </summary>
[Alias("IChatResultBatchObserver")]
public interface IChatResultBatchObserver : IChatResultObserver
{
    /// <summary>
    /// Notifications in the order the silo made them: a message's pieces and snapshots keep their order, as in
    /// <see cref="IChatResultObserver"/>, and can likewise repeat or arrive late.
    /// </summary>
    [OneWay]
    [Alias("OnResultNotices")]
    Task OnResultNotices([Immutable] ResultNotice[] notices);
}
