namespace Grains.DeadLetters;

/// <summary>Failed messages past their retention leave the index as well as the store (see <see cref="Options.ResultsOptions"/>).</summary>
public static class DeadLetterExpiry
{
    /// <summary>
    /// Removes the oldest entries that failed at or before <paramref name="cutoff"/>, stopping at the first that did
    /// not: entries arrive about in the order they failed, so one moved later by a repeated add waits for the next
    /// prune, or for its own result grain, which answers 404 and is skipped by the listing meanwhile. True if any went.
    /// </summary>
    public static bool Prune(DeadLetterIndex index, DateTimeOffset cutoff, DeadLetterChanges changes)
    {
        var expired = index.Segments.SelectMany(segment => segment.Entries).TakeWhile(entry => entry.FailedAt <= cutoff)
            .Select(entry => entry.Id).ToList();
        foreach (var id in expired)
        {
            index.Remove(id, changes);
        }

        return expired.Count > 0;
    }
}
