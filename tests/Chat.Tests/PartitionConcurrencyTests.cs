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
        var slow = ChatApiBatchExtensions.NewIds("slow", 1)[0];
        (await fixture.Api.Submit($"hang {slow}", slow)).Dispose();
        await fixture.Api.WaitForStatus(slow, "processing");

        var quick = ChatApiBatchExtensions.NewIds("quick", 20);
        await fixture.Api.SubmitAll(quick);
        var results = await fixture.Api.WaitForAllCompleted(quick);

        Assert.All(results, result => Assert.Equal("worker-0", result.GetProperty("worker").GetString()));
        Assert.Equal("processing", (await fixture.Api.Result(slow)).GetProperty("status").GetString());

        using var cancelled = await fixture.Http.DeleteAsync($"/chat/{slow}");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
    }
}
