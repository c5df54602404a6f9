using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>POST /chat/batch: each item answered as POST /chat would answer it alone, in the order sent.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BatchSubmitTests(ChatClusterFixture fixture)
{
    private Task<HttpResponseMessage> PostBatch(object body) => fixture.Http.PostAsJsonAsync("/chat/batch", body);

    [Fact]
    public async Task Valid_items_are_queued_and_each_invalid_one_gets_its_own_problem()
    {
        var (queued, taken) = (ChatApiBatchExtensions.NewIds("batch-ok", 1)[0], ChatApiBatchExtensions.NewIds("batch-taken", 1)[0]);
        using (var first = await fixture.Api.Submit("the first message", taken))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        using var response = await PostBatch(new
        {
            messages = new object?[]
            {
                new { message = "one", id = queued },
                new { message = "" },
                new { message = "two", backend = "nosuchbackend" },
                new { message = "three" },
                new { message = "four", id = "not an id!" },
                null,
                new { message = "another message", id = taken },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await ChatApi.Json(response)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(7, items.Length);
        AssertStatus(items[0], queued, "queued");
        Assert.Equal(["message"], ErrorFields(AssertProblem(items[1], null, 400)));
        Assert.Equal(["echo"], AssertProblem(items[2], null, 400).GetProperty("backends").EnumerateArray().Select(b => b.GetString()!).ToArray());
        var generated = items[3].GetProperty("id").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{22}$", generated);
        AssertStatus(items[3], generated, "queued");
        Assert.Equal(["id"], ErrorFields(AssertProblem(items[4], "not an id!", 400)));
        AssertProblem(items[5], null, 400);
        AssertProblem(items[6], taken, 409);

        Assert.Equal("one", (await fixture.Api.WaitForStatus(queued, "completed")).GetProperty("result").GetString());
        Assert.Equal("three", (await fixture.Api.WaitForStatus(generated, "completed")).GetProperty("result").GetString());
        Assert.Equal("the first message", (await fixture.Api.WaitForStatus(taken, "completed")).GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_repeated_batch_answers_each_message_with_its_status_and_processes_none_twice()
    {
        var ids = ChatApiBatchExtensions.NewIds("batch-again", 5);
        var batch = new { messages = ids.Select(id => new { message = ChatApiBatchExtensions.MessageFor(id), id }).ToArray() };
        using (var first = await PostBatch(batch))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var items = (await ChatApi.Json(first)).GetProperty("items").EnumerateArray().ToArray();
            Assert.Equal(ids, items.Select(item => item.GetProperty("id").GetString()!).ToArray());
            Assert.All(items, item => AssertStatus(item, item.GetProperty("id").GetString()!, "queued"));
        }

        var before = await fixture.Api.WaitForAllCompleted(ids);
        using var again = await PostBatch(batch);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var repeated = (await ChatApi.Json(again)).GetProperty("items").EnumerateArray().ToArray();
        for (var i = 0; i < ids.Count; i++)
        {
            AssertStatus(repeated[i], ids[i], "completed");
            var after = await fixture.Api.Result(ids[i]);
            Assert.Equal(1, after.GetProperty("attempts").GetInt32());
            Assert.Equal(before[i].GetProperty("completedAt").GetDateTimeOffset(), after.GetProperty("completedAt").GetDateTimeOffset());
        }
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_refused_whole_with_413()
    {
        var ids = ChatApiBatchExtensions.NewIds("batch-over", 1001);
        using var response = await PostBatch(new { messages = ids.Select(id => new { message = "m", id }).ToArray() });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ChatApi.Json(response);
        Assert.Equal(413, problem.GetProperty("status").GetInt32());
        Assert.Equal(1000, problem.GetProperty("maxBatchSize").GetInt32());
        using var none = await fixture.Api.GetResult(ids[0]);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Theory]
    [InlineData("""{"messages": "hello"}""", "application/json", 400)]
    [InlineData("""[{"message": "hello"}]""", "application/json", 400)]
    [InlineData("""{}""", "application/json", 400)]
    [InlineData("""{"messages": []}""", "application/json", 400)]
    [InlineData("""{"messages": [{"message": 5}]}""", "application/json", 400)]
    [InlineData("""{"messages": [{"message": "hello"}]}""", "text/plain", 415)]
    public async Task A_body_of_the_wrong_shape_is_refused_whole(string body, string contentType, int status)
    {
        using var response = await fixture.Http.PostAsync("/chat/batch", new StringContent(body, System.Text.Encoding.UTF8, contentType));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, (await ChatApi.Json(response)).GetProperty("status").GetInt32());
    }

    private static void AssertStatus(JsonElement item, string id, string status)
    {
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal(status, item.GetProperty("status").GetString());
        Assert.False(item.TryGetProperty("problem", out _));
    }

    private static JsonElement AssertProblem(JsonElement item, string? id, int status)
    {
        Assert.Equal(id, item.TryGetProperty("id", out var given) ? given.GetString() : null);
        Assert.False(item.TryGetProperty("status", out _));
        var problem = item.GetProperty("problem");
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    private static string[] ErrorFields(JsonElement problem)
    {
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors in {problem}");
        return errors.EnumerateObject().Select(field => field.Name).ToArray();
    }
}

/// <summary>A silo's failure on one item ends that item only: the others are still accepted and reported.</summary>
[Collection(InjectedFaultsCollection.Name)]
public sealed class BatchSubmitFaultTests(InjectedFaultsFixture fixture)
{
    [Fact]
    public async Task An_item_the_cluster_cannot_take_now_gets_503_with_retry_after_and_the_others_are_queued()
    {
        var ids = ChatApiBatchExtensions.NewIds("batch-fault", 3);
        var batch = new { messages = ids.Select(id => new { message = $"echo {id}", id }).ToArray() };
        var fired = InjectedFaults.Fired;
        InjectedFaults.FailNextCall<Grains.Interfaces.IChatDispatcherGrain>(
            nameof(Grains.Interfaces.IChatDispatcherGrain.Submit),
            () => new Grains.Interfaces.TemporarilyUnavailableException("Storage is unavailable (injected by the test).", TimeSpan.FromSeconds(2)));
        using var response = await fixture.Http.PostAsJsonAsync("/chat/batch", batch);

        Assert.Equal(fired + 1, InjectedFaults.Fired);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await ChatApi.Json(response)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(ids, items.Select(item => item.GetProperty("id").GetString()!).ToArray());
        var refused = Assert.Single(items, item => item.TryGetProperty("problem", out _));
        var problem = refused.GetProperty("problem");
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal(2, problem.GetProperty("retryAfter").GetInt32());
        Assert.Equal(["queued", "queued"], items.Where(item => !item.Equals(refused)).Select(item => item.GetProperty("status").GetString()!).ToArray());

        var again = refused.GetProperty("id").GetString()!;
        using var resent = await fixture.Http.PostAsJsonAsync("/chat/batch", new { messages = new[] { new { message = $"echo {again}", id = again } } });
        Assert.Equal("queued", (await ChatApi.Json(resent)).GetProperty("items")[0].GetProperty("status").GetString());
    }
}
