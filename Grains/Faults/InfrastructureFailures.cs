using Grains.Interfaces;

namespace Grains.Faults;

/// <summary>
/// Tells an infrastructure failure (something the cluster depends on did not answer) from an answer: our own
/// contract exceptions and the .NET base library's (argument, state, null: bugs) are answers and pass as they are.
/// Decided by type, never by message text.
/// </summary>
internal static class InfrastructureFailures
{
    private const string Dependency = "A service the cluster depends on is unavailable";

    /// <summary>Namespaces of the infrastructure's own exception types, and what each means was unavailable.</summary>
    private static readonly (string Namespace, string What)[] Areas =
    [
        ("Orleans.Storage", "Grain storage is unavailable"),
        ("Orleans.Persistence", "Grain storage is unavailable"),
        ("Orleans.Streams", "The work stream is unavailable"),
        ("Orleans.Streaming", "The work stream is unavailable"),
        ("Orleans.Clustering", "Cluster membership is unavailable"),
        ("Orleans.Runtime.MembershipService", "Cluster membership is unavailable"),
        ("StackExchange.Redis", "Redis is unreachable"),
        // A silo could not even carry its failure to this one: a provider's exception type with no codec.
        ("Orleans.Serialization", Dependency),
    ];

    /// <summary>What was unavailable, as the start of the client's one sentence; null when <paramref name="exception"/> is an answer.</summary>
    public static string? Unavailable(Exception exception)
    {
        if (exception.GetType().Assembly == typeof(TemporarilyUnavailableException).Assembly)
        {
            return null;
        }

        // The outermost recognised cause names it: a storage exception wrapping a Redis one is storage's failure.
        string? foreign = null;
        foreach (var cause in Causes(exception))
        {
            var name = cause.GetType().Namespace ?? string.Empty;
            foreach (var (prefix, what) in Areas)
            {
                if (name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal))
                {
                    return what;
                }
            }

            // Another library's type (a storage or stream provider's own): no client can load it, and no code of
            // ours throws it on purpose.
            foreign ??= IsBaseLibraryOrOrleansCore(name) ? null : Dependency;
        }

        return foreign;
    }

    private static bool IsBaseLibraryOrOrleansCore(string ns) =>
        ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal)
        || ns == "Microsoft" || ns.StartsWith("Microsoft.", StringComparison.Ordinal)
        || ns == "Orleans" || ns.StartsWith("Orleans.", StringComparison.Ordinal)
        || ns.StartsWith("Grains", StringComparison.Ordinal);

    /// <summary>The exception and everything it wraps, outermost first.</summary>
    private static IEnumerable<Exception> Causes(Exception exception)
    {
        yield return exception;
        IEnumerable<Exception> inner = exception switch
        {
            AggregateException aggregate => aggregate.InnerExceptions,
            { InnerException: { } wrapped } => [wrapped],
            _ => [],
        };
        foreach (var cause in inner.SelectMany(Causes))
        {
            yield return cause;
        }
    }
}
