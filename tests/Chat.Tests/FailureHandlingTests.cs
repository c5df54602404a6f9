using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>Two silos whose processor fails, hangs or echoes as each message asks; quick retries and a 1 s timeout.</summary>
public sealed class ScriptedProcessorFixture : ChatClusterFixture
{
    protected override short Silos => 2;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Processing:MaxAttempts"] = "3",
        ["Processing:RetryBaseDelayMs"] = "50",
        ["Processing:RetryMaxDelayMs"] = "200",
        ["Processing:TimeoutSeconds"] = "1",
    };
}

public sealed class FailureHandlingTests(ScriptedProcessorFixture fixture) : IClassFixture<ScriptedProcessorFixture>
{
    private readonly ProcessorScript _script = new();

    private ChatApi Api => fixture.Api;

    [Fact]
    public async Task A_message_that_fails_once_completes_on_its_second_attempt()
    {
        var text = _script.Fail(1, "then fine");
        var id = await Submit(text);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal(2, result.GetProperty("attempts").GetInt32());
        Assert.Equal(text, result.GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        Assert.Equal(2, _script.Trace(text).Calls);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_ends_failed_after_max_attempts_and_is_listed_as_a_dead_letter()
    {
        var text = _script.Fail(99, "always");
        var id = await Submit(text);

        var result = await Api.WaitForStatus(id, "failed");
        Assert.Equal(3, result.GetProperty("attempts").GetInt32());
        Assert.Equal(3, _script.Trace(text).Calls);
        Assert.Equal("The backend echo failed: InvalidOperationException: scripted failure 3 of 99", result.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("result").ValueKind);

        var page = await DeadLetters();
        Assert.Equal(id, page.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal("failed", page.GetProperty("items")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_hanging_processor_is_cancelled_at_the_timeout_and_counts_as_a_failed_attempt()
    {
        var text = _script.Hang("forever");
        var id = await Submit(text);

        var result = await Api.WaitForStatus(id, "failed", TimeSpan.FromSeconds(30));
        Assert.Equal(3, result.GetProperty("attempts").GetInt32());
        Assert.Equal("The backend echo did not answer within 1 s.", result.GetProperty("error").GetString());
        var trace = _script.Trace(text);
        Assert.Equal(3, trace.Calls);
        Assert.Equal([1, 2, 3], trace.Cancellations.Select(c => c.Call).Order());
        Assert.All(trace.Cancellations, c => AssertCancelledAtTheTimeout(c.After));
    }

    [Fact]
    public async Task A_timed_out_attempt_is_a_failure_retried_and_the_retry_completes()
    {
        var text = _script.Hang(1, "on the first attempt only");
        var id = await Submit(text);

        var result = await Api.WaitForStatus(id, "completed", TimeSpan.FromSeconds(30));
        Assert.Equal(2, result.GetProperty("attempts").GetInt32());
        Assert.Equal(text, result.GetProperty("result").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var trace = _script.Trace(text);
        Assert.Equal(2, trace.Calls);
        var cancelled = Assert.Single(trace.Cancellations);
        Assert.Equal(1, cancelled.Call);
        AssertCancelledAtTheTimeout(cancelled.After);
    }

    [Fact]
    public async Task Retry_requeues_a_failed_message_with_fresh_attempts_and_removes_it_from_the_dead_letters()
    {
        var text = _script.Fail(3, "then fine on retry");
        var id = await Submit(text);
        await Api.WaitForStatus(id, "failed");

        using var retried = await fixture.Http.PostAsync($"/result/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal($"/result/{id}", retried.Headers.Location?.OriginalString);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal(4, result.GetProperty("attempts").GetInt32());
        Assert.Equal(4, _script.Trace(text).Calls);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        var listed = (await DeadLetters(pageSize: 200)).GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString());
        Assert.DoesNotContain(id, listed);

        using var again = await fixture.Http.PostAsync($"/result/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await fixture.Http.PostAsync("/result/no-such-message/retry", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Dead_letters_are_paged_newest_first()
    {
        var first = await Submit(_script.Fail(99, "older"));
        await Api.WaitForStatus(first, "failed");
        var second = await Submit(_script.Fail(99, "newer"));
        await Api.WaitForStatus(second, "failed");

        var page = await DeadLetters(pageSize: 1);
        Assert.Equal(1, page.GetProperty("pageSize").GetInt32());
        Assert.True(page.GetProperty("total").GetInt32() >= 2);
        Assert.Equal(second, page.GetProperty("items")[0].GetProperty("id").GetString());
        var next = await DeadLetters(page: 2, pageSize: 1);
        Assert.Equal(first, next.GetProperty("items")[0].GetProperty("id").GetString());

        using var wrongStatus = await fixture.Http.GetAsync("/results?status=queued");
        Assert.Equal(HttpStatusCode.BadRequest, wrongStatus.StatusCode);
        using var hugePage = await fixture.Http.GetAsync("/results?status=failed&pageSize=100000");
        Assert.Equal(HttpStatusCode.BadRequest, hugePage.StatusCode);
    }

    private async Task<string> Submit(string message)
    {
        var id = ChatApiBatchExtensions.NewIds("fault", 1)[0];
        using var response = await Api.Submit(message, id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return id;
    }

    /// <summary>
    /// The timeout is 1 s, its timer set just before the processor is called. The upper bound leaves room for
    /// a busy two-core machine; a processor that was never cancelled would hang for ever.
    /// </summary>
    private static void AssertCancelledAtTheTimeout(TimeSpan after) =>
        Assert.InRange(after, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));

    private async Task<JsonElement> DeadLetters(int page = 1, int pageSize = 50)
    {
        using var response = await fixture.Http.GetAsync($"/results?status=failed&page={page}&pageSize={pageSize}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }
}
