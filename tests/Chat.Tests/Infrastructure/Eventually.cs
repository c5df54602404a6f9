using System.Diagnostics;

namespace Chat.Tests.Infrastructure;

/// <summary>Waits on a condition instead of sleeping; a timeout says what it was waiting for.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <param name="describe">How the last value reads in the timeout's message; its ToString() by default.</param>
    public static async Task<T> Returns<T>(
        Func<Task<T>> probe, Func<T, bool> done, string waitingFor, TimeSpan? timeout = null, Func<T, string>? describe = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(20);
        }
        while (clock.Elapsed < limit);

        throw new TimeoutException($"Timed out after {limit.TotalSeconds:0} s waiting for {waitingFor}; last value: {(describe is null ? last : describe(last))}");
    }

    public static async Task Succeeds(Func<Task> probe, string waitingFor, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await probe();
                return;
            }
            catch (Exception exception) when (clock.Elapsed < limit)
            {
                _ = exception;
                await Task.Delay(50);
            }
            catch (Exception exception)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0} s waiting for {waitingFor}.", exception);
            }
        }
    }
}
