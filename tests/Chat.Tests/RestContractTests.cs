using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RestContractTests(ChatClusterFixture fixture)
{
    private ChatApi Api => fixture.Api;

    [Fact]
    public async Task Post_answers_202_with_location_and_an_unguessable_id()
    {
        using var response = await Api.Submit("hi there");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await ChatApi.Json(response);
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Matches("^[A-Za-z0-9_-]{22}$", id);
        Assert.Equal($"/result/{id}", response.Headers.Location?.OriginalString);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal("hi there", result.GetProperty("result").GetString());
        Assert.Equal("hi there", result.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("error").ValueKind);
        string[] fields =
        [
            "id", "status", "message", "result", "error", "attempts", "silo", "worker", "enqueuedAt", "startedAt", "completedAt",
            "backend", "model", "inputTokens", "outputTokens", "partial", "conversationId",
        ];
        Assert.Equal(fields.Order(), result.EnumerateObject().Select(p => p.Name).Order());
        // The built-in backend answers with the message itself and reports no usage.
        Assert.Equal("echo", result.GetProperty("backend").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("inputTokens").ValueKind);
        // Only a running reply has a partial text.
        Assert.Equal(JsonValueKind.Null, result.GetProperty("partial").ValueKind);
    }

    [Fact]
    public async Task Unknown_id_answers_404_problem()
    {
        using var response = await Api.GetResult("never-submitted-id");
        await AssertProblem(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("has%20space")]
    [InlineData("semi;colon")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Malformed_id_answers_400_problem(string id)
    {
        using var response = await Api.GetResult(id);
        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadBodies => new()
    {
        { "invalid JSON", "{\"message\": \"x\", \"id\": \"ID\"", "application/json", HttpStatusCode.BadRequest },
        { "missing message", "{\"id\": \"ID\"}", "application/json", HttpStatusCode.BadRequest },
        { "empty message", "{\"message\": \"\", \"id\": \"ID\"}", "application/json", HttpStatusCode.BadRequest },
        { "whitespace message", "{\"message\": \" \\t\\n \", \"id\": \"ID\"}", "application/json", HttpStatusCode.BadRequest },
        { "message not a string", "{\"message\": 42, \"id\": \"ID\"}", "application/json", HttpStatusCode.BadRequest },
        { "message too long", $"{{\"message\": \"{new string('a', 16_001)}\", \"id\": \"ID\"}}", "application/json", HttpStatusCode.BadRequest },
        { "invalid id", "{\"message\": \"x\", \"id\": \"ID with spaces\"}", "application/json", HttpStatusCode.BadRequest },
        { "duplicate property", "{\"message\": \"x\", \"message\": \"y\", \"id\": \"ID\"}", "application/json", HttpStatusCode.BadRequest },
        { "wrong content type", "{\"message\": \"x\", \"id\": \"ID\"}", "text/plain", HttpStatusCode.UnsupportedMediaType },
        { "body over 1 MiB", $"{{\"message\": \"x\", \"id\": \"ID\", \"pad\": \"{new string('p', 1024 * 1024)}\"}}", "application/json", HttpStatusCode.RequestEntityTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_answers_problem_details_and_stores_nothing(string _, string body, string contentType, HttpStatusCode expected)
    {
        var id = ChatApiBatchExtensions.NewIds("bad", 1)[0];
        using var response = await Api.PostRaw(body.Replace("\"ID\"", $"\"{id}\""), contentType);

        await AssertProblem(response, expected);

        using var lookup = await Api.GetResult(id);
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task Missing_message_names_the_field()
    {
        using var response = await Api.PostRaw("{}");
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("message", out _));
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("a\\udc00b")]
    [InlineData("\\ude00\\ud83d")]
    public async Task A_lone_surrogate_answers_400_naming_message_and_stores_nothing(string escaped)
    {
        // Valid JSON, but no UTF-8 text: stored, it would come back as a different message.
        var id = ChatApiBatchExtensions.NewIds("surrogate", 1)[0];
        using var response = await Api.PostRaw($"{{\"message\": \"{escaped}\", \"id\": \"{id}\"}}");

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out _), $"no errors in {problem}");
        Assert.Equal(["message"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        using var lookup = await Api.GetResult(id);
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task A_surrogate_pair_is_accepted_and_comes_back_unchanged()
    {
        var id = ChatApiBatchExtensions.NewIds("surrogate-pair", 1)[0];
        using var response = await Api.PostRaw($"{{\"message\": \"smile \\ud83d\\ude00\", \"id\": \"{id}\"}}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal("smile \U0001F600", result.GetProperty("message").GetString());
        Assert.Equal("smile \U0001F600", result.GetProperty("result").GetString());
    }

    [Theory]
    [InlineData("PUT", "/chat")]
    [InlineData("GET", "/chat")]
    [InlineData("DELETE", "/result/abc")]
    public async Task Wrong_method_answers_405_problem(string method, string path)
    {
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await AssertProblem(response, HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Same_id_with_a_different_message_answers_409_and_keeps_the_first()
    {
        var id = await SubmitAccepted("conflict", "first");

        using var second = await Api.Submit("second", id);
        await AssertProblem(second, HttpStatusCode.Conflict);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal("first", result.GetProperty("message").GetString());
        Assert.Equal("first", result.GetProperty("result").GetString());
    }

    [Fact]
    public async Task Resubmitting_the_same_id_and_message_returns_the_result_and_processes_it_once()
    {
        var id = await SubmitAccepted("idempotent", "only once");

        using var again = await Api.Submit("only once", id);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await ChatApi.Json(again)).GetProperty("id").GetString());

        await Api.WaitForStatus(id, "completed");
        using var afterCompletion = await Api.Submit("only once", id);
        Assert.Equal(HttpStatusCode.OK, afterCompletion.StatusCode);
        var result = await ChatApi.Json(afterCompletion);
        Assert.Equal("completed", result.GetProperty("status").GetString());
        Assert.Equal(1, result.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Health_answers_200_with_the_live_silos()
    {
        using var response = await fixture.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, (await ChatApi.Json(response)).GetProperty("silos").GetInt32());
    }

    private async Task<string> SubmitAccepted(string prefix, string message)
    {
        var id = ChatApiBatchExtensions.NewIds(prefix, 1)[0];
        using var response = await Api.Submit(message, id);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return id;
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ChatApi.Json(response);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }
}
