namespace Grains.Work;

/// <summary>
/// Items taken in turn across tenants, so that one tenant's backlog does not delay another's: a FIFO per tenant,
/// served by weighted round-robin. A tenant's turn is up to its weight in items; a tenant with items waits in line
/// for its turn, and one that arrives joins the end of the line, so it waits at most one round. A tenant whose
/// items run out leaves: when it comes back it starts a fresh turn at the end of the line, so idling banks nothing.
/// <see cref="TryPeek"/> shows exactly what <see cref="TryDequeue"/> takes next if nothing is added in between.
/// Not thread-safe.
/// </summary>
internal sealed class FairQueue<T>(Func<T, string> tenantOf, Func<string, int> weightOf)
{
    private readonly Dictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);
    private readonly LinkedList<Tenant> _line = new();

    // The tenant being served and how many more items its turn allows; null between turns.
    private Tenant? _turn;
    private int _left;

    public int Count { get; private set; }

    /// <summary>Tenants holding items.</summary>
    public int Tenants => _tenants.Count;

    public void Enqueue(T item)
    {
        var name = tenantOf(item);
        if (!_tenants.TryGetValue(name, out var tenant))
        {
            tenant = new Tenant(name, Math.Max(1, weightOf(name)));
            _tenants[name] = tenant;
            _line.AddLast(tenant);
        }

        tenant.Items.Enqueue(item);
        Count++;
    }

    public bool TryPeek(out T item)
    {
        if (Next() is { } tenant)
        {
            item = tenant.Items.Peek();
            return true;
        }

        item = default!;
        return false;
    }

    public bool TryDequeue(out T item)
    {
        if (Next() is not { } tenant)
        {
            item = default!;
            return false;
        }

        if (tenant != _turn || _left == 0)
        {
            // The turn passes: the tenant whose turn ended goes to the back of the line, the next one starts afresh.
            if (_turn is not null)
            {
                _line.AddLast(_turn);
            }

            _line.Remove(tenant);
            _turn = tenant;
            _left = tenant.Weight;
        }

        item = tenant.Items.Dequeue();
        _left--;
        Count--;
        if (tenant.Items.Count == 0)
        {
            _tenants.Remove(tenant.Name);
            _turn = null;
            _left = 0;
        }

        return true;
    }

    /// <summary>Takes every item out, each tenant's in order, and forgets every turn.</summary>
    public List<T> DequeueAll()
    {
        var all = new List<T>(Count);
        foreach (var tenant in _tenants.Values)
        {
            all.AddRange(tenant.Items);
        }

        _tenants.Clear();
        _line.Clear();
        _turn = null;
        _left = 0;
        Count = 0;
        return all;
    }

    /// <summary>The tenant served next: the one whose turn it is while its turn lasts, else the first in line.</summary>
    private Tenant? Next() => _turn is not null && (_left > 0 || _line.First is null) ? _turn : _line.First?.Value;

    private sealed class Tenant(string name, int weight)
    {
        public string Name { get; } = name;

        public int Weight { get; } = weight;

        public Queue<T> Items { get; } = new();
    }
}
