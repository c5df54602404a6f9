namespace WebFrontend.Cluster;

/// <summary>
/// What the shared observer has heard for one watch and the watch has not passed on yet, bounded: the observer never
/// waits for a reader, and a slow reader (a slow SSE client) costs at most <see cref="Capacity"/> items. Once full, a
/// piece that follows the last one held is merged into it; anything else overflows the buffer, and the watch ends
/// (the client resumes from the last id it got).
/// </summary>
public sealed class WatchBuffer(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<WatchItem> _items = new();
    private TaskCompletionSource? _waiting;

    public int Capacity => capacity;

    public bool Overflowed { get; private set; }

    public void Write(WatchItem item)
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (Overflowed)
            {
                return;
            }

            if (_items.Count < capacity)
            {
                _items.AddLast(item);
            }
            else if (_items.Last!.Value is { Delta: { } last } && item.Delta is { } next && next.Attempt == last.Attempt && next.Seq <= last.Seq)
            {
                // Already held: nothing to add.
            }
            else if (_items.Last.Value is { Delta: { } tail } merged && item.Delta is { } following && following.Attempt == tail.Attempt && following.Seq == tail.Seq + 1)
            {
                _items.Last.Value = merged with { Delta = following with { Text = tail.Text + following.Text } };
            }
            else
            {
                Overflowed = true;
                _items.Clear();
            }

            (wake, _waiting) = (_waiting, null);
        }

        wake?.TrySetResult();
    }

    /// <summary>The next item; null once the buffer overflowed.</summary>
    public async Task<WatchItem?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (Overflowed)
                {
                    return null;
                }

                if (_items.First is { } first)
                {
                    _items.RemoveFirst();
                    return first.Value;
                }

                _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiting.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }
}
