using System.Diagnostics;
using System.Globalization;
using Grains.DeadLetters;
using Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Grains;

/// <summary>
/// The index of failed messages, newest first, kept to the newest <see cref="Capacity"/>; the result grains stay
/// the source of truth, so an entry that fell off the index is still readable by id.
/// </summary>
/// <remarks>
/// <see cref="DeadLetterIndex"/> decides; this grain stores. Each segment and the directory are separate records in
/// the results store, written through <see cref="IGrainStorage"/> rather than one persistent state, so any grain
/// storage provider works and a change writes one or two segments of a few kilobytes, never the whole list.
/// Calls interleave: those that arrive while a save runs share the next one, so a burst of failures is a few
/// writes, not one per failure; each call returns once its change is stored.
/// A save is ordered so that stopping at any write loses no entry:
/// - a new segment is listed in the directory before it is written (a listed segment without a record loads empty);
/// - segments are written newest first: entries only move to a newer segment (a repeated add, a merge), so a moved
///   entry is briefly stored twice, and loading keeps the newer copy;
/// - a segment is cleared, then unlisted, only after its entries are stored in the segment that took them.
/// If a save fails, the saves after it fail too and the activation is dropped, so the next call reloads what was
/// stored rather than trusting memory.
/// </remarks>
[Reentrant]
public sealed partial class DeadLetterGrain(
    [FromKeyedServices(ChatStorage.Results)] IGrainStorage storage, ILogger<DeadLetterGrain> logger) : Grain, IDeadLetterGrain
{
    public const int Capacity = IDeadLetterGrain.Capacity;

    /// <summary>Entries per stored segment: about 15 KB when full of 40-character ids; 100,000 entries are 391 to 782 segments.</summary>
    public const int SegmentSize = 256;

    private const int MaxPageSize = 1000;
    private const string DirectoryRecord = "dead-letters.directory";
    private const string LegacyRecord = "dead-letters";

    private readonly DeadLetterIndex _index = new(SegmentSize, Capacity);
    private readonly GrainState<DeadLetterDirectory> _directory = new(new DeadLetterDirectory());
    private readonly Dictionary<long, GrainState<DeadLetterSegment>> _records = []; // with their ETags
    private DeadLetterChanges _unsaved = new();
    private Task _lastSave = Task.CompletedTask;
    private Task? _nextSave;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await storage.ReadStateAsync(DirectoryRecord, this.GetGrainId(), _directory);
        var listed = await Task.WhenAll(_directory.State!.Segments.Select(ReadSegmentAsync));
        var changes = new DeadLetterChanges();
        _index.Load(listed, _directory.State.NextSegment, changes);
        var repaired = changes.Written.Count + changes.Dropped.Count;

        // A list kept as one record by an earlier version moves into segments, in order; the record is cleared last.
        var legacy = new GrainState<DeadLetterState>(new DeadLetterState());
        await storage.ReadStateAsync(LegacyRecord, this.GetGrainId(), legacy);
        var imported = legacy.State!.Entries.Count;
        foreach (var entry in Enumerable.Reverse(legacy.State.Entries))
        {
            _index.Add(entry.Id, entry.FailedAt, changes);
        }

        await StoreAsync(changes);
        if (legacy.RecordExists)
        {
            await storage.ClearStateAsync(LegacyRecord, this.GetGrainId(), legacy);
        }

        LogLoaded(logger, _index.Count, listed.Length, repaired, imported, clock.ElapsedMilliseconds);
    }

    public ValueTask Add(string id, DateTimeOffset failedAt)
    {
        _index.Add(id, failedAt, _unsaved);
        return new ValueTask(SaveAsync());
    }

    // An id no longer listed still waits for the save in progress: it may be the one that removes it.
    public ValueTask Remove(string id) => new(_index.Remove(id, _unsaved) ? SaveAsync() : _nextSave ?? _lastSave);

    public ValueTask<DeadLetterPage> List(long skip, int take) =>
        ValueTask.FromResult(new DeadLetterPage(_index.Page(skip, Math.Min(take, MaxPageSize)), _index.Count));

    public ValueTask<DeadLetterPage> List(string tenant, long skip, int take) =>
        ValueTask.FromResult(_index.PageOf(tenant, skip, Math.Min(take, MaxPageSize)));

    private Task SaveAsync() => _nextSave ??= _lastSave = SaveAfterAsync(_lastSave);

    private async Task SaveAfterAsync(Task previous)
    {
        await Task.Yield(); // so the caller records this task as the next save before it starts

        // After a failed save memory holds changes that storage never saw: fail as well, until a reload.
        await previous;
        _nextSave = null;
        var changes = _unsaved;
        _unsaved = new DeadLetterChanges();
        await StoreAsync(changes);
    }

    private async Task StoreAsync(DeadLetterChanges changes)
    {
        if (changes.IsEmpty)
        {
            return;
        }

        // Copied now: calls that interleave with the writes below change memory, not what this save stores.
        var written = _index.Segments.Reverse().Where(changes.Written.Contains)
            .Select(segment => new DeadLetterSegment { Number = segment.Number, Entries = [.. segment.Entries] })
            .ToList();
        var stored = _directory.State!;
        var created = written.Select(segment => segment.Number).Where(number => number >= stored.NextSegment).Reverse().ToList();
        var segments = _index.Segments.Select(segment => segment.Number).ToList();
        var next = _index.NextSegment;
        try
        {
            if (created.Count > 0)
            {
                await WriteDirectoryAsync(new DeadLetterDirectory { Segments = [.. stored.Segments, .. created], NextSegment = next });
            }

            foreach (var segment in written)
            {
                await WriteSegmentAsync(segment);
            }

            await Task.WhenAll(changes.Dropped.Select(ClearSegmentAsync));
            if (changes.DirectoryChanged)
            {
                await WriteDirectoryAsync(new DeadLetterDirectory { Segments = segments, NextSegment = next });
            }
        }
        catch (Exception exception)
        {
            LogStoreFailed(logger, exception);
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task WriteDirectoryAsync(DeadLetterDirectory directory)
    {
        _directory.State = directory;
        await storage.WriteStateAsync(DirectoryRecord, this.GetGrainId(), _directory);
    }

    private async Task<DeadLetterSegment> ReadSegmentAsync(long number)
    {
        var record = Record(number);
        await storage.ReadStateAsync(SegmentRecord(number), this.GetGrainId(), record);
        record.State!.Number = number;
        return record.State;
    }

    private Task WriteSegmentAsync(DeadLetterSegment segment)
    {
        var record = Record(segment.Number);
        record.State = segment;
        return storage.WriteStateAsync(SegmentRecord(segment.Number), this.GetGrainId(), record);
    }

    private Task ClearSegmentAsync(DeadLetterSegment segment) =>
        storage.ClearStateAsync(SegmentRecord(segment.Number), this.GetGrainId(), Record(segment.Number));

    private GrainState<DeadLetterSegment> Record(long number)
    {
        if (!_records.TryGetValue(number, out var record))
        {
            _records[number] = record = new GrainState<DeadLetterSegment>(new DeadLetterSegment { Number = number });
        }

        return record;
    }

    private static string SegmentRecord(long number) => string.Create(CultureInfo.InvariantCulture, $"dead-letters.segment-{number}");

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Dead letters loaded: {Count} entries from {Segments} segments, {Repaired} segments repaired, {Imported} imported from the one-record list, in {ElapsedMs} ms")]
    private static partial void LogLoaded(ILogger logger, int count, int segments, int repaired, int imported, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store the dead-letter index; it reloads from storage on its next call")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}
