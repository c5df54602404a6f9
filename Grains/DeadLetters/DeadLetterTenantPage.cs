using Grains.Interfaces;

namespace Grains.DeadLetters;

/// <summary>One tenant's view of the dead-letter index: its own ids, newest first, and how many it has.</summary>
public static class DeadLetterTenantPage
{
    /// <summary>
    /// Walks every entry, as the count must cover them all: at most the index's capacity of short string
    /// comparisons, a few milliseconds, only when a tenant lists its failures.
    /// </summary>
    public static DeadLetterPage PageOf(this DeadLetterIndex index, string tenant, long skip, int take)
    {
        var prefix = TenantKeys.Compose(tenant, "");
        var ids = new List<string>();
        var matched = 0;
        foreach (var segment in index.Segments.Reverse())
        {
            for (var i = segment.Entries.Count - 1; i >= 0; i--)
            {
                var id = segment.Entries[i].Id;
                if (!id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                if (matched >= skip && ids.Count < take)
                {
                    ids.Add(id);
                }

                matched++;
            }
        }

        return new DeadLetterPage(ids, matched);
    }
}
