namespace FakeChatBackend;

internal sealed record InjectedFault(FakeFault Fault, TimeSpan RetryAfter);

/// <summary>Faults waiting for the next chat requests, taken in the order they were injected.</summary>
internal sealed class FaultQueue
{
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly Queue<Pending> _pending = new();

    public void Add(FakeFault fault, int count, TimeSpan? retryAfter)
    {
        if (!Enum.IsDefined(fault))
        {
            throw new ArgumentOutOfRangeException(nameof(fault), fault, "Unknown fault.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var wait = retryAfter ?? DefaultRetryAfter;
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero, nameof(retryAfter));
        lock (_lock)
        {
            _pending.Enqueue(new Pending(new InjectedFault(fault, wait), count));
        }
    }

    public InjectedFault? TakeNext()
    {
        lock (_lock)
        {
            if (!_pending.TryPeek(out var head))
            {
                return null;
            }

            if (--head.Remaining == 0)
            {
                _pending.Dequeue();
            }

            return head.Fault;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _pending.Clear();
        }
    }

    private sealed class Pending(InjectedFault fault, int remaining)
    {
        public InjectedFault Fault { get; } = fault;

        public int Remaining { get; set; } = remaining;
    }
}
