using Grains.Interfaces;
using Orleans.Runtime;

namespace Grains;

/// <summary>
/// The index of failed messages. Kept to the newest <see cref="Capacity"/>; the result grains stay the
/// source of truth, so an entry that fell off the index is still readable by id.
/// </summary>
public sealed class DeadLetterGrain(
    [PersistentState("dead-letters", ChatStorage.Results)] IPersistentState<DeadLetterState> state) : Grain, IDeadLetterGrain
{
    public const int Capacity = 100_000;

    public async ValueTask Add(string id, DateTimeOffset failedAt)
    {
        var entries = state.State.Entries;
        entries.RemoveAll(entry => entry.Id == id);
        entries.Insert(0, new DeadLetter(id, failedAt));
        if (entries.Count > Capacity)
        {
            entries.RemoveRange(Capacity, entries.Count - Capacity);
        }

        await state.WriteStateAsync();
    }

    public async ValueTask Remove(string id)
    {
        if (state.State.Entries.RemoveAll(entry => entry.Id == id) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public ValueTask<DeadLetterPage> List(int skip, int take)
    {
        var entries = state.State.Entries;
        var ids = entries.Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 0, 1000)).Select(entry => entry.Id).ToList();
        return ValueTask.FromResult(new DeadLetterPage(ids, entries.Count));
    }
}
