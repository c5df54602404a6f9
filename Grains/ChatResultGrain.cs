using Grains.Interfaces;
using Grains.Options;
using Grains.Streams;
using Grains.Work;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Grains;

/// <summary>
/// One message's record. Non-reentrant, so claims and outcomes apply one at a time: only a queued message
/// (or one whose attempt was abandoned) can be claimed, and only the running attempt can finish it, so a
/// late duplicate never overwrites a result.
/// </summary>
// Idle results leave memory after two minutes rather than Orleans' default fifteen: a busy cluster creates
// one per message, and their state stays in storage. Watchers resubscribe every 30 s, which keeps theirs.
[CollectionAgeLimit(Minutes = 2)]
public sealed class ChatResultGrain(
    [PersistentState("result", ChatStorage.Results)] IPersistentState<ChatResultState> state,
    TimeProvider clock,
    SiloWorkload workload,
    IClusterMembershipService membership,
    IOptions<ProcessingOptions> processing,
    IOptions<StreamingOptions> streaming,
    ILogger<ChatResultGrain> logger) : Grain, IChatResultGrain
{
    private readonly ObserverManager<IChatResultObserver> _observers = new(IChatResultGrain.SubscriptionLifetime, logger);

    // Whether this activation has handed the message to the stream. A new activation of a still-queued
    // message cannot know, so a resubmission of the same id publishes again; claims make that harmless.
    private bool _published;

    public async ValueTask<SubmitOutcome> Accept(string message, int partition)
    {
        if (state.RecordExists)
        {
            var existing = Snapshot();
            if (!string.Equals(existing.Message, message, StringComparison.Ordinal))
            {
                return new SubmitOutcome(SubmitStatus.Conflict, existing, TimeSpan.Zero);
            }

            if (existing.Status == ChatStatus.Queued && !_published)
            {
                await PublishAsync(partition);
            }

            return new SubmitOutcome(SubmitStatus.Existing, existing, TimeSpan.Zero);
        }

        state.State = new ChatResultState
        {
            Message = message,
            Status = ChatStatus.Queued,
            EnqueuedAt = clock.GetUtcNow(),
        };

        // Stored before published: a worker can never claim a message that has no record yet.
        await SaveAsync();
        await PublishAsync(partition);
        return new SubmitOutcome(SubmitStatus.Accepted, Snapshot(), TimeSpan.Zero);
    }

    public ValueTask<ChatResult?> Get() => ValueTask.FromResult(state.RecordExists ? Snapshot() : null);

    public ValueTask<ChatResult?> Subscribe(IChatResultObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Get();
    }

    public ValueTask Unsubscribe(IChatResultObserver observer)
    {
        _observers.Unsubscribe(observer);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<ClaimOutcome> TryStart(string worker, SiloAddress silo, Guid claim)
    {
        if (!state.RecordExists || state.State.Status is ChatStatus.Completed or ChatStatus.Failed or ChatStatus.Cancelled)
        {
            return new ClaimOutcome(ClaimStatus.Ended, 0);
        }

        var current = state.State;
        if (current.Status == ChatStatus.Processing && current.Claim == claim)
        {
            return new ClaimOutcome(ClaimStatus.Claimed, current.Attempts);
        }

        if (current.Status == ChatStatus.Processing && !AttemptAbandoned())
        {
            return new ClaimOutcome(ClaimStatus.Running, current.Attempts);
        }

        current.Status = ChatStatus.Processing;
        current.Claim = claim;
        current.Attempts++;
        current.Worker = worker;
        current.Silo = silo.Endpoint.ToString();
        current.SiloAddress = silo.ToParsableString();
        current.StartedAt = clock.GetUtcNow();
        await SaveAsync();
        return new ClaimOutcome(ClaimStatus.Claimed, current.Attempts);
    }

    /// <summary>
    /// The running attempt will never report: its silo is gone from the cluster, or it has outlived the
    /// processing timeout by a whole lease, which a live attempt cannot (its processor is cancelled at the timeout).
    /// </summary>
    private bool AttemptAbandoned()
    {
        var current = state.State;
        if (current.SiloAddress is { } address
            && membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(address)) is SiloStatus.Dead or SiloStatus.None)
        {
            return true;
        }

        var limit = TimeSpan.FromSeconds(processing.Value.TimeoutSeconds + streaming.Value.LeaseSeconds);
        return current.StartedAt is { } started && clock.GetUtcNow() - started > limit;
    }

    public ValueTask<bool> Complete(int attempt, string reply) => FinishAsync(attempt, ChatStatus.Completed, reply, error: null);

    public async ValueTask<FailOutcome> Fail(int attempt, string error)
    {
        if (!IsRunning(attempt))
        {
            return new FailOutcome(Recorded: false, RetryAfter: null);
        }

        var current = state.State;
        var attemptsThisRound = current.Attempts - current.RoundStartAttempts;
        if (attemptsThisRound >= processing.Value.MaxAttempts)
        {
            await FinishAsync(attempt, ChatStatus.Failed, reply: null, error);
            await GrainFactory.GetGrain<IDeadLetterGrain>(0).Add(this.GetPrimaryKeyString(), current.CompletedAt!.Value);
            return new FailOutcome(Recorded: true, RetryAfter: null);
        }

        // Back to queued, keeping the error so clients see why it is being retried. The retry is in the
        // stream before this returns, its backoff carried with it, so no silo's death can drop it.
        current.Status = ChatStatus.Queued;
        current.Error = error;
        await SaveAsync();
        var delay = RetryDelay(attemptsThisRound);
        await RequeueAsync(clock.GetUtcNow() + delay);
        return new FailOutcome(Recorded: true, RetryAfter: delay);
    }

    public async ValueTask<CancelOutcome> Cancel()
    {
        if (!state.RecordExists)
        {
            return new CancelOutcome(false, null);
        }

        var current = state.State;
        var previous = current.Status;
        if (previous is ChatStatus.Completed or ChatStatus.Failed or ChatStatus.Cancelled)
        {
            return new CancelOutcome(false, Snapshot());
        }

        current.Status = ChatStatus.Cancelled;
        current.CompletedAt = clock.GetUtcNow();
        await SaveAsync();
        if (previous == ChatStatus.Queued)
        {
            // Its stream event will be skipped when claimed, so it leaves the backlog now.
            workload.RecordLeftQueue();
        }
        else if (previous == ChatStatus.Processing && current.Worker is { } worker)
        {
            try
            {
                await GrainFactory.GetGrain<IChatWorkerGrain>(worker).CancelRunning(this.GetPrimaryKeyString());
            }
            catch (Exception exception)
            {
                // The result is cancelled regardless: a late reply from the attempt is ignored.
                logger.LogWarning(exception, "Could not reach worker {Worker} to stop message {Id}", worker, this.GetPrimaryKeyString());
            }
        }

        return new CancelOutcome(true, Snapshot());
    }

    public async ValueTask<ChatResult?> Retry()
    {
        if (!state.RecordExists || state.State.Status != ChatStatus.Failed)
        {
            return null;
        }

        var current = state.State;
        current.Status = ChatStatus.Queued;
        current.RoundStartAttempts = current.Attempts;
        current.Error = null;
        current.CompletedAt = null;
        await SaveAsync();
        await GrainFactory.GetGrain<IDeadLetterGrain>(0).Remove(this.GetPrimaryKeyString());
        await RequeueAsync(notBefore: null);
        return Snapshot();
    }

    private bool IsRunning(int attempt) =>
        state.RecordExists && state.State.Status == ChatStatus.Processing && state.State.Attempts == attempt;

    /// <summary>Exponential backoff with jitter: base × 2^(n-1), capped, then a random 50–100% of that.</summary>
    private TimeSpan RetryDelay(int failedAttempts)
    {
        var options = processing.Value;
        var ceiling = Math.Min(options.RetryMaxDelayMs, options.RetryBaseDelayMs * Math.Pow(2, failedAttempts - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + Random.Shared.NextDouble() / 2));
    }

    /// <summary>Hands a queued message to the stream again, on any partition; counted as newly accepted backlog.</summary>
    private async Task RequeueAsync(DateTimeOffset? notBefore)
    {
        await PublishAsync(Random.Shared.Next(streaming.Value.Partitions), notBefore);
        workload.RecordAccepted();
    }

    private async ValueTask<bool> FinishAsync(int attempt, ChatStatus status, string? reply, string? error)
    {
        if (!IsRunning(attempt))
        {
            return false;
        }

        var current = state.State;
        current.Status = status;
        current.Reply = reply;
        current.Error = error;
        current.CompletedAt = clock.GetUtcNow();
        await SaveAsync();
        return true;
    }

    /// <summary>Every change goes through here: a new version is stored, then every subscriber hears of it.</summary>
    private async Task SaveAsync()
    {
        state.State.Version++;
        await state.WriteStateAsync();
        if (_observers.Count > 0)
        {
            var snapshot = Snapshot();
            // One-way calls: this returns once they are sent, without waiting for subscribers.
            await _observers.Notify(observer => observer.OnResultChanged(snapshot));
        }
    }

    private async Task PublishAsync(int partition, DateTimeOffset? notBefore = null)
    {
        var stream = ChatStreams.Partition(this.GetStreamProvider(ChatStreams.Provider), ChatStreams.PartitionKey(partition));
        await stream.OnNextAsync(new ChatWorkItem(this.GetPrimaryKeyString(), state.State.Message, state.State.EnqueuedAt, notBefore));
        _published = true;
    }

    private ChatResult Snapshot()
    {
        var s = state.State;
        return new ChatResult(
            this.GetPrimaryKeyString(), s.Status, s.Message, s.Reply, s.Error, s.Attempts,
            s.Silo, s.Worker, s.EnqueuedAt, s.StartedAt, s.CompletedAt, s.Version);
    }
}
