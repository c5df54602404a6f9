using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using WebFrontend.Auth;
using WebFrontend.Cluster;
using WebFrontend.Model;

namespace WebFrontend.Apis;

/// <summary>GET /cluster: live silos and their load; GET /cluster/events: the same every second.</summary>
public static class ClusterApi
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/cluster").WithTags("Cluster").RequireAdminKey().ProducesProblems(ProblemResponses.Unavailable);
        group.MapGetAndHead("/", GetAsync);
        group.MapGet("/events", Events);
        return app;
    }

    public static async Task<Ok<ClusterResponse>> GetAsync(ClusterView view, CancellationToken cancellationToken) =>
        TypedResults.Ok(await view.SnapshotAsync(cancellationToken));

    public static ServerSentEventsResult<ClusterResponse> Events(ClusterView view, CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(SnapshotsAsync(view, cancellationToken), eventType: "cluster");

    private static async IAsyncEnumerable<ClusterResponse> SnapshotsAsync(ClusterView view, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            ClusterResponse snapshot;
            try
            {
                snapshot = await view.SnapshotAsync(cancellationToken);
            }
            catch (ClusterUnavailableException)
            {
                // End the stream; EventSource clients reconnect by themselves and the page shows the outage.
                yield break;
            }

            yield return snapshot;
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
