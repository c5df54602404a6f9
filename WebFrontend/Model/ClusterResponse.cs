namespace WebFrontend.Model;

/// <summary>Body of GET /cluster: live silos with the work each did, totals over every silo that reported, and the backlog.</summary>
public sealed record ClusterResponse(IReadOnlyList<SiloResponse> Silos, ClusterTotals Totals, long Backlog, DateTimeOffset At);

/// <summary>
/// One live silo. <see cref="Gateway"/>: the frontend is configured to connect through this silo.
/// <see cref="Rate"/>: messages finished per second over the last few seconds. <see cref="Activations"/>
/// and <see cref="ManagedMemoryBytes"/> (GC heap in use) come from Orleans' runtime statistics.
/// </summary>
public sealed record SiloResponse(
    string Address,
    string Name,
    string Status,
    DateTimeOffset StartedAt,
    bool Gateway,
    long Processed,
    long Completed,
    long Failed,
    int InFlight,
    int Pending,
    double Rate,
    int? Activations,
    long? ManagedMemoryBytes);

public sealed record ClusterTotals(long Processed, long Completed, long Failed, int InFlight, int Pending, double Rate);
