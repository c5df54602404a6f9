using Grains.Diagnostics;
using Grains.Interfaces;
using Grains.Lifecycle;
using Grains.Results;
using Grains.Retention;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Grains;

/// <summary>
/// One message's record: a thin shell over <see cref="MessageLifecycle"/>. Each call becomes an event; the
/// transition's state is stored with its durable effects (the outbox), then watchers are told, then the effects
/// are carried out and cleared. A silo dying anywhere in between leaves the outbox stored, and the next activation
/// finishes it. Non-reentrant, so events apply one at a time.
/// </summary>
// Idle results leave memory after Results:IdleActivationAge (set by the silo; seconds, not Orleans' default fifteen
// minutes): a busy cluster creates one per message, and their state stays in storage. A watched result stays in
// memory while its subscription lasts, so its watchers hear every change.
public sealed partial class ChatResultGrain(
    [PersistentState("result", ChatStorage.Results)] IPersistentState<ChatResultState> state,
    LifecyclePolicy policy,
    ResultRetention retention,
    ResultEffects effects,
    AttemptLiveness liveness,
    TimeProvider clock,
    ChatMetrics metrics,
    ResultNoticeBatcher notices,
    ILogger<ChatResultGrain> logger) : Grain, IChatResultGrain
{
    private readonly ResultObservers _observers = new(notices, logger);
    private MessageState? _current;
    private ReplyStream _reply = null!;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _current = state.RecordExists ? state.State.ToLifecycle() : null;
        _reply = new ReplyStream(Id, state.RecordExists ? state.State.ReplySeq : 0);
        _reply.Follow(_current);
        await ForgetIfExpiredAsync();
        if (_current is { Outbox.IsEmpty: false })
        {
            // Carried out just after activating, not during it: the conversation told of the outcome may itself be
            // activating and asking this grain for its state, and each activation would wait for the other.
            _settleRetry = this.RegisterGrainTimer(
                () => TrySettleAsync(partition: null), new GrainTimerCreationOptions(TimeSpan.Zero, SettleRetryPeriod) { KeepAlive = true });
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_current is not null && _clearedOutboxUnstored)
        {
            await WriteAsync(_current);
        }
    }

    public async ValueTask<SubmitOutcome> Accept(ChatSubmission submission, int partition, bool admitNew = true)
    {
        if (_current is null && !admitNew)
        {
            return new SubmitOutcome(SubmitStatus.Busy, null, TimeSpan.Zero);
        }

        var accept = new Accept(
            submission.Message, submission.Request, clock.GetUtcNow(), submission.Backend ?? BackendNames.Echo, submission.ConversationId, submission.Held,
            ChatTracing.CurrentTraceParent(), submission.CallbackUrl);
        var transition = await ApplyAsync(accept, partition);
        var status = transition.Verdict switch
        {
            Verdict.Applied or Verdict.Repeated => SubmitStatus.Accepted,
            Verdict.Existing => SubmitStatus.Existing,
            _ => SubmitStatus.Conflict,
        };
        return new SubmitOutcome(status, Snapshot(), TimeSpan.Zero);
    }

    public async ValueTask<ChatResult?> Get()
    {
        await ForgetIfExpiredAsync();
        return Snapshot();
    }

    public async ValueTask<ChatResult?> Release()
    {
        await ApplyAsync(new Release(clock.GetUtcNow()));
        return Snapshot();
    }

    public ValueTask<ChatResult?> Subscribe(IChatResultObserver observer)
    {
        Watch(observer);
        return Get();
    }

    public async ValueTask<ResultFeed?> Subscribe(IChatResultObserver observer, long afterSeq)
    {
        Watch(observer);
        await ForgetIfExpiredAsync();
        return Snapshot() is { } snapshot ? new ResultFeed(snapshot, _reply.After(afterSeq)) : null;
    }

    public ValueTask Unsubscribe(IChatResultObserver observer)
    {
        _observers.Unsubscribe(observer);
        if (_observers.IsEmpty)
        {
            // Back to the idle age: nobody is left to miss a change.
            DelayDeactivation(TimeSpan.Zero);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Kept in memory as long as the subscription lasts: a new activation would not know the observer, and its
    /// changes would reach the watcher only when it next renews.
    /// </summary>
    private void Watch(IChatResultObserver observer)
    {
        _observers.Subscribe(observer);
        DelayDeactivation(IChatResultGrain.SubscriptionLifetime);
    }

    public async ValueTask<ClaimOutcome> TryStart(string worker, SiloAddress silo, Guid claim)
    {
        var now = clock.GetUtcNow();
        var holder = new AttemptHolder(claim, worker, silo.Endpoint.ToString(), silo.ToParsableString());
        var abandoned = _current is { Status: ChatStatus.Processing } running && running.Holder?.Claim != claim && liveness.IsAbandoned(running, now);
        var transition = await ApplyAsync(new Claim(holder, abandoned, now));
        return transition.Verdict switch
        {
            Verdict.Applied or Verdict.Repeated => new ClaimOutcome(ClaimStatus.Claimed, _current!.Attempts),
            Verdict.Refused when _current!.Status == ChatStatus.Processing => new ClaimOutcome(ClaimStatus.Running, _current.Attempts),
            _ => new ClaimOutcome(ClaimStatus.Ended, _current?.Attempts ?? 0),
        };
    }

    public async ValueTask<AppendOutcome> AppendReply(int attempt, int offset, string text)
    {
        var outcome = _reply.Append(attempt, offset, text, out var delta);
        if (_reply.OutranReservation)
        {
            await WriteAsync(_current!);
        }

        await _observers.DeltaAsync(delta);
        return outcome;
    }

    public async ValueTask<bool> Complete(int attempt, ChatReply reply) =>
        (await ApplyAsync(new Complete(attempt, reply.Text, clock.GetUtcNow(), reply.Model, reply.InputTokens, reply.OutputTokens))).Verdict
            is Verdict.Applied or Verdict.Repeated;

    public async ValueTask<FailOutcome> Defer(int attempt, string reason, TimeSpan wait)
    {
        var transition = await ApplyAsync(new Defer(attempt, reason, wait, clock.GetUtcNow()));
        return new FailOutcome(transition.Verdict is Verdict.Applied or Verdict.Repeated, transition.RetryAfter);
    }

    public async ValueTask<FailOutcome> Fail(int attempt, string error)
    {
        var transition = await ApplyAsync(new Fail(attempt, error, Random.Shared.NextDouble(), clock.GetUtcNow()));
        return new FailOutcome(transition.Verdict is Verdict.Applied or Verdict.Repeated, transition.RetryAfter);
    }

    public async ValueTask<bool> Abandon(int attempt, string reason) =>
        (await ApplyAsync(new Abandon(attempt, reason, clock.GetUtcNow()))).Verdict is Verdict.Applied or Verdict.Repeated;

    public async ValueTask<CancelOutcome> Cancel()
    {
        var transition = await ApplyAsync(new Cancel(clock.GetUtcNow()));
        if (transition.StopWorker is { } worker)
        {
            await effects.StopAttemptAsync(Id, worker);
        }

        return new CancelOutcome(transition.Verdict is Verdict.Applied or Verdict.Repeated, Snapshot());
    }

    public async ValueTask<RetryOutcome> Retry(Guid request)
    {
        var transition = await ApplyAsync(new Retry(request, clock.GetUtcNow(), ChatTracing.CurrentTraceParent()));
        return new RetryOutcome(transition.Verdict is Verdict.Applied or Verdict.Repeated, Snapshot());
    }

    private ChatResult? Snapshot() => _current is null ? null : _current.ToResult(Id) with { Partial = _reply.Partial, ReplySeq = _reply.LastSeq };
}
