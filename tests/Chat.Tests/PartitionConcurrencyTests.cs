using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>One silo, one partition: every message goes through the same worker.</summary>
public sealed class SinglePartitionFixture : ChatClusterFixture
{
    protected override short Silos => 1;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Streaming:Partitions"] = "1",
        ["Processing:TimeoutSeconds"] = "120",
    };
}

public sealed class PartitionConcurrencyTests(SinglePartitionFixture fixture) : IClassFixture<SinglePartitionFixture>
{
    [Fact]
    public async Task A_slow_message_does_not_stall_the_messages_behind_it_in_its_partition()
    {
        var script = new ProcessorScript();
        var hanging = script.Hang("in partition 0");
        var slow = ChatApiBatchExtensions.NewIds("slow", 1)[0];
        (await fixture.Api.Submit(hanging, slow)).Dispose();
        await script.WaitUntilRunning(hanging);

        var quick = ChatApiBatchExtensions.NewIds("quick", 20);
        await fixture.Api.SubmitAll(quick);
        var results = await fixture.Api.WaitForAllCompleted(quick);

        Assert.All(results, result => Assert.Equal("echo-0", result.GetProperty("worker").GetString()));
        Assert.Equal("processing", (await fixture.Api.Result(slow)).GetProperty("status").GetString());
        Assert.Equal(1, script.Trace(hanging).Running);

        using var cancelled = await fixture.Http.DeleteAsync($"/chat/{slow}");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        await script.WaitUntilCancelled(hanging);
    }
}
