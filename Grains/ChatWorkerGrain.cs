using Grains.Backends;
using Grains.Interfaces;
using Grains.Options;
using Grains.Placement;
using Grains.Streams;
using Grains.Work;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Grains;

/// <summary>
/// Consumes one work-stream partition of one backend. Receiving only queues the message in the worker's lane, so the
/// stream keeps flowing while slow messages run. When silos join or leave and this partition belongs
/// elsewhere, the worker hands back what it has not started and deactivates; the next message
/// activates it on its new silo.
/// </summary>
[ImplicitStreamSubscription(ChatStreams.Namespace)]
[PartitionPlacement]
public sealed partial class ChatWorkerGrain(
    AttemptRunner runner,
    WorkHandBack handBack,
    BackendCatalog backends,
    BackendPermits permits,
    WorkAcknowledgement acknowledgement,
    SiloWorkload workload,
    TenantWeights weights,
    TimeProvider clock,
    IClusterMembershipService membership,
    IOptions<ProcessingOptions> options,
    ILogger<ChatWorkerGrain> logger) : Grain, IChatWorkerGrain, IStreamSubscriptionObserver, IAsyncObserver<ChatWorkItem>
{
    private WorkerLane? _lane;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ChatStreams.TryParsePartition(this.GetPrimaryKeyString(), out var name, out _);
        var backend = backends.Find(name) ?? BackendDefinition.Unconfigured(name);
        _lane = new WorkerLane(
            this.GetPrimaryKeyString(), backend, options.Value.MaxInFlightPerWorker, runner, permits, acknowledgement, workload, weights, clock);
        var period = TimeSpan.FromSeconds(options.Value.RebalanceCheckSeconds);
        this.RegisterGrainTimer(CheckPlacement, new GrainTimerCreationOptions(period, period) { Interleave = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_lane is null)
        {
            return;
        }

        var unstarted = await _lane.StopAsync();
        if (unstarted.Count == 0)
        {
            return;
        }

        LogHandingBack(logger, this.GetPrimaryKeyString(), unstarted.Count, reason.Description);
        await handBack.HandBackAsync(this.GetPrimaryKeyString(), unstarted);
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<ChatWorkItem>().ResumeAsync(this);

    public Task OnNextAsync(ChatWorkItem item, StreamSequenceToken? token = null)
    {
        if (_lane is null || !_lane.Enqueue(new ReceivedWork(item, token)))
        {
            throw new InvalidOperationException($"Worker {this.GetPrimaryKeyString()} is stopping and cannot take message {item.Id}.");
        }

        return Task.CompletedTask;
    }

    public ValueTask CancelRunning(string messageId)
    {
        _lane?.CancelRunning(messageId);
        return ValueTask.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    private Task CheckPlacement(CancellationToken cancellationToken)
    {
        if (!ChatStreams.TryParsePartition(this.GetPrimaryKeyString(), out _, out var partition))
        {
            return Task.CompletedTask;
        }

        var active = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress);
        var home = PartitionAssignment.SiloFor(partition, active);
        if (home is not null && !home.Equals(workload.SiloAddress))
        {
            LogMoving(logger, this.GetPrimaryKeyString(), home);
            // Migrated to its home rather than only deactivated: the messages it hands back reach this activation's
            // address until the directory forgets it, and a message arriving here for a grain that is not active
            // activates it here again, away from home, over and over. A migration forwards them to the new one.
            RequestContext.Set(IPlacementDirector.PlacementHintKey, home);
            this.MigrateOnIdle();
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} hands {Count} unstarted messages back to its stream ({Reason})")]
    private static partial void LogHandingBack(ILogger logger, string worker, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} belongs on {Home} now; deactivating so it moves")]
    private static partial void LogMoving(ILogger logger, string worker, SiloAddress home);
}
