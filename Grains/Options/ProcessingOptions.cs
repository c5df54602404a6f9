using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>How workers process messages (section "Processing").</summary>
public sealed class ProcessingOptions
{
    public const string Section = "Processing";

    /// <summary>The processor behind the <c>IChatClient</c> seam. Built in: <c>echo</c>.</summary>
    [Required]
    [AllowedValues("echo")]
    public string Processor { get; set; } = "echo";

    /// <summary>Simulated backend latency added to every message, for demos and benchmarks.</summary>
    [Range(0, 600_000)]
    public int DelayMs { get; set; }

    /// <summary>Processing attempts per message before it goes to its backend's fallback, or is marked failed (a dead letter).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Times in a row a backend may turn a message away for now (429, or 503 with Retry-After) before that counts as a
    /// failed attempt; the waits themselves are the backend's.
    /// </summary>
    [Range(0, 1000)]
    public int MaxRateLimitedRetries { get; set; } = 10;

    /// <summary>First retry delay; each further retry doubles it, with random jitter, up to <see cref="RetryMaxDelayMs"/>.</summary>
    [Range(0, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 500;

    [Range(0, 3_600_000)]
    public int RetryMaxDelayMs { get; set; } = 30_000;

    /// <summary>
    /// While a reply streams in, the worker passes its text so far to the result grain at most this often (and one call
    /// at a time), so watchers see it grow without a grain call per token.
    /// </summary>
    [Range(1, 10_000)]
    public int DeltaIntervalMs { get; set; } = 30;

    /// <summary>One attempt's time limit: a processor still running then is cancelled and the attempt fails.</summary>
    [Range(1, 86_400)]
    public int TimeoutSeconds { get; set; } = 300;

    /// <summary>Messages one worker (one stream partition) processes at once.</summary>
    [Range(1, 100_000)]
    public int MaxInFlightPerWorker { get; set; } = 256;

    /// <summary>Messages one silo processes at once for one backend, across all that backend's workers.</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlightPerSilo { get; set; } = 1024;

    /// <summary>On shutdown, how long a silo keeps finishing the work it holds before handing the rest back.</summary>
    [Range(0, 3600)]
    public int ShutdownDrainSeconds { get; set; } = 20;

    /// <summary>How often a worker checks that it still runs on the silo its partition is assigned to.</summary>
    [Range(1, 3600)]
    public int RebalanceCheckSeconds { get; set; } = 2;
}

[OptionsValidator]
public sealed partial class ProcessingOptionsValidator : IValidateOptions<ProcessingOptions>;
