using Orleans.Concurrency;

namespace Grains.Interfaces;

/// <summary>
/// Told of every change of one message's result. Subscriptions expire (see <see cref="IChatResultGrain.Subscribe"/>),
/// so a subscriber that vanishes costs nothing; a live one resubscribes well within the expiry.
/// </summary>
[Alias("IChatResultObserver")]
public interface IChatResultObserver : IGrainObserver
{
    /// <summary>The new state. Compare <see cref="ChatResult.Version"/>: notifications can repeat or arrive late.</summary>
    [OneWay]
    [Alias("OnResultChanged")]
    Task OnResultChanged(ChatResult result);

    /// <summary>A piece of the running attempt's reply. Pieces can repeat or arrive late: compare <see cref="ReplyDelta.Seq"/>.</summary>
    [OneWay]
    [Alias("OnReplyDelta")]
    Task OnReplyDelta(ReplyDelta delta);
}
