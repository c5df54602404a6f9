using System.Collections.Concurrent;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Faults a test arms for the next calls of one grain method, on the frontend's client or in the silos (all in this
/// process): the reply of a call that did run is lost, or a call fails before it runs. Each fault fires once.
/// </summary>
public sealed class InjectedFaults : IOutgoingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(Type Interface, string Method), ConcurrentQueue<Func<Exception>>> LostReplies = new();
    private static readonly ConcurrentDictionary<(Type Interface, string Method), ConcurrentQueue<Func<Exception>>> FailedCalls = new();
    private static int _fired;

    /// <summary>How many armed faults have fired so far.</summary>
    public static int Fired => Volatile.Read(ref _fired);

    /// <summary>The next call of the method runs, but its caller gets <paramref name="fault"/> instead of the reply.</summary>
    public static void LoseNextReply<TGrain>(string method, Func<Exception> fault) =>
        LostReplies.GetOrAdd((typeof(TGrain), method), _ => new()).Enqueue(fault);

    /// <summary>The next call of the method fails with <paramref name="fault"/> without running.</summary>
    public static void FailNextCall<TGrain>(string method, Func<Exception> fault) =>
        FailedCalls.GetOrAdd((typeof(TGrain), method), _ => new()).Enqueue(fault);

    /// <summary>Disarms every fault not fired yet.</summary>
    public static void Clear()
    {
        LostReplies.Clear();
        FailedCalls.Clear();
    }

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.InterfaceMethod is not { DeclaringType: { } type } method)
        {
            await context.Invoke();
            return;
        }

        var key = (type, method.Name);
        if (Take(FailedCalls, key) is { } failure)
        {
            throw failure;
        }

        await context.Invoke();
        if (Take(LostReplies, key) is { } lost)
        {
            throw lost;
        }
    }

    private static Exception? Take(ConcurrentDictionary<(Type, string), ConcurrentQueue<Func<Exception>>> faults, (Type, string) key)
    {
        if (!faults.TryGetValue(key, out var queue) || !queue.TryDequeue(out var fault))
        {
            return null;
        }

        Interlocked.Increment(ref _fired);
        return fault();
    }
}
