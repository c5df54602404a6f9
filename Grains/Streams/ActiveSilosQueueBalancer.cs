using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Grains.Streams;

/// <summary>
/// Spreads a persistent stream's queues evenly over the active silos: sorted by address, the i-th silo of n
/// reads the queues whose index is i mod n. Orleans' default balancer places queues on a hash ring, which
/// can leave a silo with none. While silos disagree about membership for a moment, a queue may be read by
/// two silos or by none; consumer groups and the next membership update make either harmless.
/// </summary>
public sealed partial class ActiveSilosQueueBalancer(IServiceProvider services, ILogger<ActiveSilosQueueBalancer> logger)
    : QueueBalancerBase(services, logger), IStreamQueueBalancer
{
    private IReadOnlyList<QueueId> _queues = [];
    private volatile IReadOnlyList<QueueId> _mine = [];

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        _queues = queueMapper.GetAllQueues().OrderBy(queue => queue.GetNumericId()).ToArray();
        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() => _mine;

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        var silos = activeSilos.Order().ToArray();
        var index = Array.IndexOf(silos, SiloAddress);
        var mine = index < 0 ? [] : _queues.Where((_, i) => i % silos.Length == index).ToArray();
        if (mine.SequenceEqual(_mine))
        {
            return;
        }

        _mine = mine;
        LogAssigned(Logger, mine.Length, _queues.Count, silos.Length);
        _ = NotifyListeners();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading {Mine} of {Queues} stream queues, as one of {Silos} active silos")]
    private static partial void LogAssigned(ILogger logger, int mine, int queues, int silos);
}
