using System.Threading.RateLimiting;
using Grains.Interfaces;
using Grains.Placement;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Grains.Backends;

/// <summary>
/// The permits of one backend: a line of requests from every silo, served in order whenever the cap, the per-minute
/// budgets and any hold-off allow. Reentrant so that waiting callers do not block the ones that free permits; each
/// method changes state only between awaits. On the oldest silo, so it moves only when that silo leaves.
/// </summary>
[Reentrant]
[OldestSiloPlacement]
public sealed class BackendGateGrain(BackendCatalog catalog, TimeProvider clock, IClusterMembershipService membership)
    : Grain, IBackendGateGrain
{
    // A permit whose silo has not renewed it for this long is held by nobody: its silo died or lost track of it.
    private static readonly TimeSpan PermitExpiry = 3 * IBackendGateGrain.RenewPeriod;

    // A caller that stopped asking has gone away (its silo died, or it stopped waiting).
    private static readonly TimeSpan WaiterExpiry = 2 * IBackendGateGrain.LongPoll;

    private readonly Dictionary<Guid, (string Silo, DateTimeOffset Expires)> _held = [];
    private readonly LinkedList<Waiter> _line = new();
    private readonly Dictionary<Guid, LinkedListNode<Waiter>> _waiting = [];
    private BackendDefinition _backend = null!;
    private RateLimiter? _requests;
    private RateLimiter? _tokens;
    private int _tokenDebt;
    private DateTimeOffset _holdUntil;
    private IGrainTimer? _pumpTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _backend = catalog.Get(this.GetPrimaryKeyString());
        _requests = PerMinute(_backend.RequestsPerMinute);
        _tokens = PerMinute(_backend.TokensPerMinute);
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions(IBackendGateGrain.RenewPeriod, IBackendGateGrain.RenewPeriod) { Interleave = true });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _requests?.Dispose();
        _tokens?.Dispose();
        return Task.CompletedTask;
    }

    public async ValueTask<bool> Acquire(Guid permit, string silo, int tokens)
    {
        if (_held.ContainsKey(permit))
        {
            _held[permit] = (silo, clock.GetUtcNow() + PermitExpiry);
            return true;
        }

        if (!_waiting.TryGetValue(permit, out var node))
        {
            node = _line.AddLast(new Waiter(permit, silo, Math.Max(1, tokens)));
            _waiting[permit] = node;
        }

        node.Value.LastAsked = clock.GetUtcNow();
        Pump();
        var granted = node.Value.Granted.Task;
        if (!granted.IsCompleted)
        {
            await Task.WhenAny(granted, Task.Delay(IBackendGateGrain.LongPoll, clock));
        }

        return granted.IsCompleted;
    }

    public ValueTask Release(Guid permit, int extraTokens)
    {
        if (_waiting.Remove(permit, out var node))
        {
            _line.Remove(node);
        }

        if (_held.Remove(permit) && extraTokens > 0 && _tokens is not null)
        {
            // Charged to whoever asks next: a sliding window cannot take tokens back that are already spent.
            _tokenDebt += extraTokens;
        }

        Pump();
        return ValueTask.CompletedTask;
    }

    public ValueTask Renew(string silo, Guid[] held)
    {
        var expires = clock.GetUtcNow() + PermitExpiry;
        foreach (var permit in held)
        {
            // Unknown ones were granted by an earlier activation: in flight all the same, so they count.
            _held[permit] = (silo, expires);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask HoldOff(DateTimeOffset until)
    {
        _holdUntil = until > _holdUntil ? until : _holdUntil;
        return ValueTask.CompletedTask;
    }

    /// <summary>Grants permits from the front of the line for as long as everything allows; if something else stops it, comes back then.</summary>
    private void Pump()
    {
        while (_line.First is { } first)
        {
            var waiter = first.Value;
            var wait = _holdUntil - clock.GetUtcNow();
            if (wait <= TimeSpan.Zero && _backend.MaxConcurrency > 0 && _held.Count >= _backend.MaxConcurrency)
            {
                // A release pumps again.
                return;
            }

            if (wait <= TimeSpan.Zero && !waiter.TokensPaid && _tokens is not null)
            {
                var lease = _tokens.AttemptAcquire(Math.Min(waiter.Tokens + _tokenDebt, _backend.TokensPerMinute));
                waiter.TokensPaid = lease.IsAcquired;
                _tokenDebt = lease.IsAcquired ? 0 : _tokenDebt;
                wait = lease.IsAcquired ? wait : RetryAfter(lease);
            }

            if (wait <= TimeSpan.Zero && _requests is not null)
            {
                var lease = _requests.AttemptAcquire();
                wait = lease.IsAcquired ? wait : RetryAfter(lease);
            }

            if (wait > TimeSpan.Zero)
            {
                _pumpTimer?.Dispose();
                _pumpTimer = this.RegisterGrainTimer(() => { Pump(); return Task.CompletedTask; }, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { Interleave = true });
                return;
            }

            _line.RemoveFirst();
            _waiting.Remove(waiter.Permit);
            _held[waiter.Permit] = (waiter.Silo, clock.GetUtcNow() + PermitExpiry);
            waiter.Granted.TrySetResult();
        }
    }

    private Task Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (permit, holder) in _held.ToArray())
        {
            if (holder.Expires < now || Dead(holder.Silo))
            {
                _held.Remove(permit);
            }
        }

        // A dead silo's waiters ask no more: granted, a permit would sit idle until the next sweep.
        foreach (var node in _waiting.Values.Where(node => now - node.Value.LastAsked > WaiterExpiry || Dead(node.Value.Silo)).ToArray())
        {
            _waiting.Remove(node.Value.Permit);
            _line.Remove(node);
        }

        Pump();
        return Task.CompletedTask;
    }

    private bool Dead(string silo) => membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(silo)) == SiloStatus.Dead;

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromMilliseconds(250);

    private static RateLimiter? PerMinute(int limit) => limit <= 0 ? null : new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = limit,
        Window = TimeSpan.FromMinutes(1),
        // Budget comes back every 5 s of the minute rather than all at once at its end.
        SegmentsPerWindow = 12,
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    private sealed record Waiter(Guid Permit, string Silo, int Tokens)
    {
        public bool TokensPaid { get; set; }

        public DateTimeOffset LastAsked { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
