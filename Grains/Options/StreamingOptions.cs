using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>Shape of the work stream (section "Streaming").</summary>
public sealed class StreamingOptions
{
    public const string Section = "Streaming";

    /// <summary>
    /// Stream partitions, one worker grain each. Many more than silos, so that spreading whole
    /// partitions over silos still gives every silo a near-equal share.
    /// </summary>
    [Range(1, 4096)]
    public int Partitions { get; set; } = 24;

    /// <summary>Queues behind the memory stream provider; pulling agents are balanced over silos per queue.</summary>
    [Range(1, 1024)]
    public int Queues { get; set; } = 8;

    /// <summary>How often pulling agents poll their queue. Orleans' default of 100 ms would dominate latency.</summary>
    [Range(1, 10_000)]
    public int PollIntervalMs { get; set; } = 10;

    /// <summary>
    /// Embedded mode: how seldom a queue that has stayed empty is read, at most. The first message after a quiet
    /// spell may wait this much longer; under load queues are read every <see cref="PollIntervalMs"/>.
    /// </summary>
    [Range(1, 60_000)]
    public int IdlePollIntervalMs { get; set; } = 100;

    /// <summary>
    /// Durable mode's lease on delivered work: a stream entry not acknowledged this long after delivery (its
    /// silo died holding it) is delivered again. Longer than a message may wait in a busy worker's lane, or
    /// waiting messages are delivered twice (harmless, but wasted work).
    /// </summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>How often each silo reports its counters to the cluster load grain.</summary>
    [Range(10, 60_000)]
    public int LoadReportIntervalMs { get; set; } = 250;
}

[OptionsValidator]
public sealed partial class StreamingOptionsValidator : IValidateOptions<StreamingOptions>;
