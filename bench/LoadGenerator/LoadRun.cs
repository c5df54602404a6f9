using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace LoadGenerator;

/// <summary>What happened to one message, as the client saw it. Times are from the message's intended start.</summary>
public sealed record MessageRecord(string Message, HttpStatusCode? Status, double SubmitMs, double? EndToEndMs, Observed? Result, int Polls);

/// <summary>One measured phase: when submissions ran, and every message's record.</summary>
public sealed record PhaseResult(IReadOnlyCollection<MessageRecord> Messages, TimeSpan SubmitWindow, TimeSpan EndToEndWindow);

/// <summary>
/// Drives the API closed-loop (a fixed number of clients, each waiting for its result before the next
/// message) or open-loop (messages on a fixed schedule whether or not earlier ones are done).
/// </summary>
public sealed class LoadRun(BenchOptions options, ChatHttp http)
{
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public async Task<PhaseResult> RunAsync(string phase, int? messages, TimeSpan? duration)
    {
        var records = new ConcurrentQueue<MessageRecord>();
        using var drain = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var lastCompletion = 0L;

        async Task OneAsync(int index, long intendedStart)
        {
            var id = $"bench-{_runId}-{phase}-{index}";
            var message = $"bench message {index} of {phase}";
            HttpStatusCode? status = null;
            double submitMs;
            try
            {
                status = await http.SubmitAsync(id, message, drain.Token);
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
            }
            finally
            {
                submitMs = Stopwatch.GetElapsedTime(intendedStart).TotalMilliseconds;
            }

            if (status is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
            {
                records.Enqueue(new MessageRecord(message, status, submitMs, null, null, 0));
                return;
            }

            Observed? result = null;
            var polls = 0;
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(drain.Token);
            patience.CancelAfter(options.Drain);
            try
            {
                (result, polls) = options.Observe == Observe.Sse
                    ? (await http.WatchUntilEndedAsync(id, patience.Token), 0)
                    : await http.PollUntilEndedAsync(id, patience.Token);
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
            {
            }

            double? endToEnd = result is { HasEnded: true } ? Stopwatch.GetElapsedTime(intendedStart).TotalMilliseconds : null;
            if (endToEnd is not null)
            {
                InterlockedMax(ref lastCompletion, clock.ElapsedTicks);
            }

            records.Enqueue(new MessageRecord(message, status, submitMs, endToEnd, result, polls));
        }

        bool More(int index) =>
            (messages is not { } limit || index < limit) && (duration is not { } most || clock.Elapsed < most);

        var submitting = options.Rate is { } rate
            ? OpenLoopAsync(rate, More, OneAsync)
            : ClosedLoopAsync(More, OneAsync);
        var outstanding = await submitting;
        var submitWindow = clock.Elapsed;
        drain.CancelAfter(options.Drain);
        await Task.WhenAll(outstanding);
        var endToEndWindow = TimeSpan.FromTicks((long)(lastCompletion * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency)));
        return new PhaseResult(records, submitWindow, endToEndWindow);
    }

    /// <summary>Each client submits, observes the result, then submits the next; returns once all have stopped.</summary>
    private async Task<Task[]> ClosedLoopAsync(Func<int, bool> more, Func<int, long, Task> one)
    {
        var next = -1;
        var clients = Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
        {
            for (var index = Interlocked.Increment(ref next); more(index); index = Interlocked.Increment(ref next))
            {
                await one(index, Stopwatch.GetTimestamp());
            }
        })).ToArray();
        await Task.WhenAll(clients);
        return [];
    }

    /// <summary>Starts message i at i / rate seconds, whatever happened to earlier ones; returns their tasks.</summary>
    private async Task<Task[]> OpenLoopAsync(double rate, Func<int, bool> more, Func<int, long, Task> one)
    {
        var started = new List<Task>();
        // Not disposed: the last messages release it after this returns.
        var inFlight = new SemaphoreSlim(options.MaxInFlight);
        var origin = Stopwatch.GetTimestamp();
        for (var index = 0; more(index); index++)
        {
            var intended = origin + (long)(index / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            // Past the cap the generator itself would be the bottleneck; waiting here shows up as latency.
            await inFlight.WaitAsync();
            var i = index;
            started.Add(Task.Run(async () =>
            {
                try
                {
                    await one(i, intended);
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }

        return [.. started];
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
