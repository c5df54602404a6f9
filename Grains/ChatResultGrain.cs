using Grains.Interfaces;
using Grains.Streams;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Grains;

/// <summary>
/// One message's record. Non-reentrant, so claims and outcomes apply one at a time: only a queued message
/// can be claimed, and only the running attempt can finish it, so a late duplicate never overwrites a result.
/// </summary>
public sealed class ChatResultGrain(
    [PersistentState("result", ChatStorage.Results)] IPersistentState<ChatResultState> state,
    TimeProvider clock,
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

    public async ValueTask<int?> TryStart(string worker, string silo)
    {
        if (!state.RecordExists || state.State.Status != ChatStatus.Queued)
        {
            return null;
        }

        var current = state.State;
        current.Status = ChatStatus.Processing;
        current.Attempts++;
        current.Worker = worker;
        current.Silo = silo;
        current.StartedAt = clock.GetUtcNow();
        await SaveAsync();
        return current.Attempts;
    }

    public ValueTask<bool> Complete(int attempt, string reply) => FinishAsync(attempt, ChatStatus.Completed, reply, error: null);

    public ValueTask<bool> Fail(int attempt, string error) => FinishAsync(attempt, ChatStatus.Failed, reply: null, error);

    private async ValueTask<bool> FinishAsync(int attempt, ChatStatus status, string? reply, string? error)
    {
        if (!state.RecordExists || state.State.Status != ChatStatus.Processing || state.State.Attempts != attempt)
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

    private async Task PublishAsync(int partition)
    {
        var stream = ChatStreams.Partition(this.GetStreamProvider(ChatStreams.Provider), ChatStreams.PartitionKey(partition));
        await stream.OnNextAsync(new ChatWorkItem(this.GetPrimaryKeyString(), state.State.Message, state.State.EnqueuedAt));
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
