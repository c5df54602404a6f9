using Chat.Tests.Infrastructure;
using Grains.Diagnostics;

namespace Chat.Tests;

/// <summary>A failure that repeats is logged once per interval, with how many happened; a recovery closes the run.</summary>
public sealed class RepeatedFailuresTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_first_failure_is_logged_at_once_and_the_next_line_counts_every_failure_of_the_interval()
    {
        var clock = new ManualClock();
        var failures = new RepeatedFailures(Interval, clock);

        Assert.True(failures.Failed(out var first));
        Assert.Equal(1, first);
        for (var i = 0; i < 499; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            Assert.False(failures.Failed(out _));
        }

        clock.Advance(Interval);
        Assert.True(failures.Failed(out var next));
        Assert.Equal(500, next);
    }

    [Fact]
    public void A_success_reports_the_failures_not_logged_yet_once_and_the_next_failure_is_logged_at_once()
    {
        var clock = new ManualClock();
        var failures = new RepeatedFailures(Interval, clock);

        Assert.False(failures.Recovered(out _));
        failures.Failed(out _);
        failures.Failed(out _);
        failures.Failed(out _);

        Assert.True(failures.Recovered(out var unlogged));
        Assert.Equal(2, unlogged);
        Assert.False(failures.Recovered(out _));
        Assert.True(failures.Failed(out var again));
        Assert.Equal(1, again);
    }

    [Fact]
    public void Describe_keeps_the_first_line_of_the_message_only()
    {
        var exception = new InvalidOperationException("Unable to connect\n   at Somewhere.Deep() in File.cs:line 1");

        Assert.Equal("InvalidOperationException: Unable to connect", RepeatedFailures.Describe(exception));
    }
}
