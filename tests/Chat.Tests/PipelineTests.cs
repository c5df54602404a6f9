using System.Net;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;

namespace Chat.Tests;

[Collection(ScriptedClusterCollection.Name)]
public sealed class PipelineTests(ScriptedClusterFixture fixture)
{
    [Fact]
    public async Task Three_silos_share_300_messages_and_each_completes_once_with_its_reply()
    {
        var ids = ChatApiBatchExtensions.NewIds("share", 300);

        await fixture.Api.SubmitAll(ids);
        var results = await fixture.Api.WaitForAllCompleted(ids);

        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(ChatApiBatchExtensions.MessageFor(ids[i]), results[i].GetProperty("result").GetString());
            Assert.Equal(1, results[i].GetProperty("attempts").GetInt32());
        }

        var shares = results.ShareBySilo();
        Assert.Equal(3, shares.Count);
        Assert.All(shares, share => Assert.InRange(share.Value, 0.25, 0.42));
    }

    [Fact]
    public async Task A_message_goes_queued_then_processing_then_completed_with_worker_and_silo()
    {
        var script = new ProcessorScript();
        var text = script.Hold("watch me");
        var id = ChatApiBatchExtensions.NewIds("transitions", 1)[0];
        using var accepted = await fixture.Api.Submit(text, id);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("queued", (await ChatApi.Json(accepted)).GetProperty("status").GetString());

        // The processor holds the message until released, so processing is seen for certain; the claim
        // is stored before the processor is called, so once it runs the result says so.
        await script.WaitUntilRunning(text);
        var processing = await fixture.Api.Result(id);
        Assert.Equal("processing", processing.GetProperty("status").GetString());
        Assert.Equal(1, processing.GetProperty("attempts").GetInt32());
        Assert.StartsWith("echo-", processing.GetProperty("worker").GetString());
        Assert.Contains(processing.GetProperty("silo").GetString(), fixture.Cluster.Silos.Select(s => s.SiloAddress.Endpoint.ToString()));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, processing.GetProperty("startedAt").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, processing.GetProperty("result").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, processing.GetProperty("completedAt").ValueKind);

        script.Release(text);
        var completed = await fixture.Api.WaitForStatus(id, "completed");
        Assert.Equal(text, completed.GetProperty("result").GetString());
        Assert.Equal(1, completed.GetProperty("attempts").GetInt32());
        Assert.Equal(1, script.Trace(text).Calls);
        Assert.Equal(processing.GetProperty("worker").GetString(), completed.GetProperty("worker").GetString());
        Assert.Equal(processing.GetProperty("silo").GetString(), completed.GetProperty("silo").GetString());
        Assert.Equal(processing.GetProperty("startedAt").GetDateTimeOffset(), completed.GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(completed.GetProperty("completedAt").GetDateTimeOffset() >= completed.GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(completed.GetProperty("startedAt").GetDateTimeOffset() >= completed.GetProperty("enqueuedAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("ok-id", "   ", "whitespace")]
    [InlineData("bad id!", "hello", "not valid")]
    public async Task The_dispatcher_rejects_invalid_input_with_a_validation_exception_and_stores_nothing(string id, string message, string expected)
    {
        var dispatcher = fixture.Cluster.Client.GetGrain<IChatDispatcherGrain>(0);

        var error = await Assert.ThrowsAsync<ChatValidationException>(() => dispatcher.Submit(new ChatSubmission(id, message)).AsTask());

        Assert.Contains(expected, error.Message);
        Assert.Null(await fixture.Cluster.Client.GetGrain<IChatResultGrain>(id).Get());
    }
}
