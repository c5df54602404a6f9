using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>How long finished messages are kept (section "Results").</summary>
public sealed class ResultsOptions
{
    public const string Section = "Results";

    /// <summary>
    /// How long a completed or cancelled message stays readable after it ended; then it, and a conversation whose
    /// messages have all gone, answer 404 and leave storage, so the store does not grow for ever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The same for a failed message, which an operator may still want to read and retry: its own setting, so
    /// failures can be kept longer than successes. The same week by default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan FailedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Embedded mode: how often each silo clears the results (and conversations) whose retention has passed from
    /// memory, read or not; an expired one leaves within a retention plus this period. Durable mode leaves it to Redis.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a message's grain stays in memory after its last call while nobody watches it; its state stays in
    /// storage, and a later call reads it back. Short, because a busy cluster makes one per message and Orleans walks
    /// every live activation each second for its metrics; a watched message stays for as long as it is watched.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00")]
    public TimeSpan IdleActivationAge { get; set; } = TimeSpan.FromSeconds(15);
}

[OptionsValidator]
public sealed partial class ResultsOptionsValidator : IValidateOptions<ResultsOptions>;
