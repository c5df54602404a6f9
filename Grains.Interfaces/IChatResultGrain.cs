using Orleans.Concurrency;
using Orleans.Runtime;

namespace Grains.Interfaces;

/// <summary>One message's persistent record, keyed by the message id. The single source of truth for its outcome.</summary>
[Alias("IChatResultGrain")]
public interface IChatResultGrain : IGrainWithStringKey
{
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Stores the message as queued (if new) for its backend (already resolved: never null) and publishes it to the
    /// given partition of that backend's work stream. The same request again is answered Accepted again; another
    /// request for the same message and backend, Existing; anything else under this id, Conflict. Unless
    /// <paramref name="admitNew"/> (the backlog is full), a new message is not stored and the answer is Busy.
    /// </summary>
    [Alias("AcceptSubmission")]
    ValueTask<SubmitOutcome> Accept(ChatSubmission submission, int partition, bool admitNew = true);

    /// <summary>
    /// The current snapshot, or null when no message was ever accepted under this id. Interleaved with whatever the
    /// grain is doing (it only reads), so a conversation that asks while this grain is telling it something never waits
    /// on itself.
    /// </summary>
    [Alias("Get"), AlwaysInterleave]
    ValueTask<ChatResult?> Get();

    /// <summary>
    /// The message's turn in its conversation has come: a held message is handed to the work stream. Anything else
    /// (already released, or ended) is left as it is. Returns the current snapshot, null if unknown.
    /// </summary>
    [Alias("Release")]
    ValueTask<ChatResult?> Release();

    /// <summary>
    /// Registers an observer for changes and returns the current snapshot (null if no message has this id yet;
    /// the observer still hears of it once accepted). A subscription lasts <see cref="SubscriptionLifetime"/>:
    /// call again well within it (e.g. every 30 s) to keep it, and compare the returned snapshot's version
    /// with the last one seen, which also catches up on any notification lost in between.
    /// </summary>
    [Alias("Subscribe")]
    ValueTask<ChatResult?> Subscribe(IChatResultObserver observer);

    /// <summary>
    /// As <see cref="Subscribe(IChatResultObserver)"/>, and also returns the reply's deltas after
    /// <paramref name="afterSeq"/> (0 for all) of the running attempt, or of the final one while this grain still
    /// holds them (it keeps them in memory only): what a watcher needs to resume a reply without gap or repeat.
    /// </summary>
    [Alias("SubscribeAfter")]
    ValueTask<ResultFeed?> Subscribe(IChatResultObserver observer, long afterSeq);

    [Alias("Unsubscribe")]
    ValueTask Unsubscribe(IChatResultObserver observer);

    /// <summary>
    /// Claims the message for one processing attempt on the given worker and silo. A queued message can be
    /// claimed; so can one whose running attempt was abandoned: its silo is dead, or it outlived its time
    /// limit by the lease. The abandoned attempt can no longer record an outcome. Repeating a call with the
    /// same <paramref name="claim"/> (its answer was lost) returns the same attempt.
    /// </summary>
    [Alias("TryStart")]
    ValueTask<ClaimOutcome> TryStart(string worker, SiloAddress silo, Guid claim);

    /// <summary>
    /// The running attempt's reply from character <paramref name="offset"/> on: the grain keeps the part beyond what it
    /// holds and tells its watchers, so a piece repeated or overlapping is harmless. The answer says how much it holds
    /// (a piece that starts beyond that is not taken: send again from there), or that the attempt is not running.
    /// </summary>
    [Alias("AppendReply")]
    ValueTask<AppendOutcome> AppendReply(int attempt, int offset, string text);

    /// <summary>
    /// Records the reply of the given attempt: true once recorded (also when repeated), false if that attempt is no
    /// longer the one running, so the reply was ignored.
    /// </summary>
    [Alias("CompleteReply")]
    ValueTask<bool> Complete(int attempt, ChatReply reply);

    /// <summary>
    /// Records the error of the given attempt (ignored unless that attempt is the one running). Below the
    /// attempt limit the message is queued again at once, to be run no earlier than the returned delay;
    /// at the limit it is failed for good and listed as a dead letter.
    /// </summary>
    [Alias("Fail")]
    ValueTask<FailOutcome> Fail(int attempt, string error);

    /// <summary>
    /// Records that the backend turned the given attempt away for now (429, or 503 with Retry-After): the message is
    /// queued again to run no earlier than <paramref name="wait"/> from now, and the attempt does not count toward the
    /// limit. Only so many deferrals in a row are allowed; past that it counts as a failure like any other.
    /// </summary>
    [Alias("Defer")]
    ValueTask<FailOutcome> Defer(int attempt, string reason, TimeSpan wait);

    /// <summary>
    /// Cancels a message that has not ended: a queued one will never run; a running one has its
    /// processor's cancellation token cancelled and any late reply ignored. Cancelling a cancelled message
    /// again succeeds with its state, so a repeated call gets the first call's answer.
    /// </summary>
    [Alias("Cancel")]
    ValueTask<CancelOutcome> Cancel();

    /// <summary>
    /// Records that the given attempt was cut off through no fault of the message (its silo is stopping): the
    /// message is queued again at once. Ignored unless that attempt is the one running.
    /// </summary>
    [Alias("Abandon")]
    ValueTask<bool> Abandon(int attempt, string reason);

    /// <summary>
    /// Queues a failed message again, with a fresh allowance of attempts. <paramref name="request"/> names the
    /// client's request: repeated after a lost answer, it gets the same answer. A message already re-queued by a
    /// retry and still running counts as retried too.
    /// </summary>
    [Alias("RetryRequest")]
    ValueTask<RetryOutcome> Retry(Guid request);
}
