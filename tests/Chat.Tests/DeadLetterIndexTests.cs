using Grains;
using Grains.DeadLetters;

namespace Chat.Tests;

/// <summary>The dead-letter index without a cluster: small segments, so every boundary is crossed often.</summary>
public sealed class DeadLetterIndexTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Pages_list_newest_first_across_segment_boundaries_and_are_empty_past_the_end()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 100);
        foreach (var id in "abcdefghij")
        {
            index.Add(id.ToString(), At, new DeadLetterChanges());
        }

        Assert.Equal(["j", "i", "h", "g", "f", "e", "d", "c", "b", "a"], index.Page(0, 100));
        Assert.Equal(["g", "f", "e", "d"], index.Page(3, 4));
        Assert.Equal(["a"], index.Page(9, 5));
        Assert.Equal(["j", "i"], index.Page(-5, 2));
        Assert.Empty(index.Page(10, 1));
        Assert.Empty(index.Page(long.MaxValue, 1));
        Assert.Empty(index.Page(0, 0));
        Assert.Equal([0L, 1L, 2L], index.Segments.Select(segment => segment.Number));
    }

    [Fact]
    public void Beyond_the_capacity_the_oldest_entry_is_dropped()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 6);
        for (var i = 0; i < 9; i++)
        {
            index.Add($"m{i}", At, new DeadLetterChanges());
        }

        Assert.Equal(["m8", "m7", "m6", "m5", "m4", "m3"], index.Page(0, 100));
        Assert.Equal(6, index.Count);
    }

    [Fact]
    public void Adding_an_id_again_moves_it_to_the_newest_place_and_removing_twice_stores_nothing_the_second_time()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 100);
        foreach (var id in "abcdefg")
        {
            index.Add(id.ToString(), At, new DeadLetterChanges());
        }

        var moved = new DeadLetterChanges();
        index.Add("b", At, moved);
        index.Add("b", At, new DeadLetterChanges());
        Assert.Equal(["b", "g", "f", "e", "d", "c", "a"], index.Page(0, 100));
        Assert.Equal([0L, 1L], moved.Written.Select(segment => segment.Number).Order());

        Assert.True(index.Remove("e", new DeadLetterChanges()));
        var again = new DeadLetterChanges();
        Assert.False(index.Remove("e", again));
        Assert.True(again.IsEmpty);
        Assert.Equal(["b", "g", "f", "d", "c", "a"], index.Page(0, 100));
    }

    [Fact]
    public void Any_mix_of_operations_stays_in_order_writes_at_most_three_segments_and_reloads_to_the_same_list()
    {
        const int SegmentSize = 8;
        var random = new Random(20_250_101);
        var index = new DeadLetterIndex(SegmentSize, capacity: 300);
        var store = new FakeStore();
        var model = new List<string>(); // newest first
        for (var step = 0; step < 20_000; step++)
        {
            var changes = new DeadLetterChanges();
            var roll = random.Next(10);
            if (roll < 5 || model.Count == 0)
            {
                var id = $"id-{random.Next(1_000)}";
                index.Add(id, At, changes);
                model.Remove(id);
                model.Insert(0, id);
                if (model.Count > 300)
                {
                    model.RemoveAt(model.Count - 1);
                }
            }
            else
            {
                var id = roll < 9 ? model[random.Next(model.Count)] : $"id-{random.Next(1_000)}";
                Assert.Equal(model.Remove(id), index.Remove(id, changes));
            }

            Assert.InRange(changes.Written.Count, 0, 3);
            Assert.InRange(changes.Dropped.Count, 0, 2);
            store.Apply(index, changes);
            AssertDense(index, SegmentSize);
            if (step % 500 == 0)
            {
                Assert.Equal(model, index.Page(0, 1_000));
                Assert.Equal(model, store.Load(SegmentSize, 300).Page(0, 1_000));
            }
        }

        Assert.Equal(model, store.Load(SegmentSize, 300).Page(0, 1_000));
    }

    [Fact]
    public void Loading_keeps_the_newest_copy_of_an_id_stored_twice_and_drops_empty_segments()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 100);
        var changes = new DeadLetterChanges();
        index.Load([Segment(0, "a", "b", "c", "d"), Segment(1), Segment(2, "e", "b", "f", "g")], nextSegment: 3, changes);

        Assert.Equal(["g", "f", "b", "e", "d", "c", "a"], index.Page(0, 100));
        Assert.Equal([1L], changes.Dropped.Select(segment => segment.Number));
        Assert.Equal([0L], changes.Written.Select(segment => segment.Number));
        Assert.True(changes.DirectoryChanged);
        Assert.Equal(3, index.NextSegment);
    }

    [Fact]
    public void Loading_drops_the_oldest_entries_beyond_the_capacity()
    {
        var index = new DeadLetterIndex(segmentSize: 4, capacity: 5);
        var changes = new DeadLetterChanges();
        index.Load([Segment(4, "a", "b", "c", "d"), Segment(5, "e", "f")], nextSegment: 6, changes);

        Assert.Equal(["f", "e", "d", "c", "b"], index.Page(0, 100));
        Assert.Equal([4L], changes.Written.Select(segment => segment.Number));
        Assert.Empty(changes.Dropped);
        Assert.Equal(6, index.NextSegment);
    }

    private static DeadLetterSegment Segment(long number, params string[] ids) =>
        new() { Number = number, Entries = ids.Select(id => new DeadLetter(id, At)).ToList() };

    /// <summary>No segment empty or over size, and no two neighbours that would fit in one: at most 2n/size + 1 segments.</summary>
    private static void AssertDense(DeadLetterIndex index, int segmentSize)
    {
        var counts = index.Segments.Select(segment => segment.Entries.Count).ToList();
        Assert.All(counts, count => Assert.InRange(count, 1, segmentSize));
        Assert.All(counts.Zip(counts.Skip(1)), pair => Assert.True(pair.First + pair.Second > segmentSize));
        Assert.InRange(counts.Count, 0, 2 * index.Count / segmentSize + 1);
    }

    /// <summary>Records as a grain storage would keep them: copies, so later changes in memory cannot leak in.</summary>
    private sealed class FakeStore
    {
        private readonly Dictionary<long, List<DeadLetter>> _records = [];
        private List<long> _directory = [];
        private long _next;

        public void Apply(DeadLetterIndex index, DeadLetterChanges changes)
        {
            foreach (var segment in changes.Written)
            {
                _records[segment.Number] = [.. segment.Entries];
            }

            foreach (var segment in changes.Dropped)
            {
                _records.Remove(segment.Number);
            }

            if (changes.DirectoryChanged)
            {
                _directory = index.Segments.Select(segment => segment.Number).ToList();
                _next = index.NextSegment;
            }
        }

        public DeadLetterIndex Load(int segmentSize, int capacity)
        {
            var index = new DeadLetterIndex(segmentSize, capacity);
            var changes = new DeadLetterChanges();
            index.Load(_directory.Select(Read), _next, changes);
            Assert.True(changes.IsEmpty);
            return index;
        }

        private DeadLetterSegment Read(long number) =>
            new() { Number = number, Entries = _records.TryGetValue(number, out var entries) ? [.. entries] : [] };
    }
}
