using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Grains.Interfaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chat.Tests;

/// <summary>Inputs that used to get through or answer without problem details, each refused with one and storing nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class InputHardeningTests(ChatClusterFixture fixture)
{
    private ChatApi Api => fixture.Api;

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public async Task An_id_ending_in_a_line_break_answers_400_naming_id_and_stores_nothing(string ending)
    {
        var id = ChatApiBatchExtensions.NewIds("nl-probe", 1)[0];
        using var response = await Api.PostRaw(JsonSerializer.Serialize(new { message = "x", id = id + ending }));

        await AssertProblemNaming(response, HttpStatusCode.BadRequest, "id");
        Assert.Null(await StoredResult(id + ending));
        Assert.Null(await StoredResult(id));
    }

    [Theory]
    [InlineData("GET", "/result/{0}%0A")]
    [InlineData("HEAD", "/result/{0}%0A")]
    [InlineData("DELETE", "/chat/{0}%0A")]
    [InlineData("POST", "/result/{0}%0A/retry")]
    public async Task An_id_in_the_path_ending_in_an_encoded_line_break_answers_400_naming_id(string method, string template)
    {
        var id = ChatApiBatchExtensions.NewIds("path-nl", 1)[0];
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(template, id)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        if (method != "HEAD")
        {
            await AssertProblemNaming(response, HttpStatusCode.BadRequest, "id");
        }

        Assert.Null(await StoredResult(id + "\n"));
    }

    [Theory]
    [InlineData("page=abc", "page")]
    [InlineData("page=1.5", "page")]
    [InlineData("page=99999999999", "page")]
    [InlineData("page=1073741825&pageSize=2", "page")]
    [InlineData("page=501&pageSize=200", "page")]
    [InlineData("page=2001", "page")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    public async Task Paging_parameters_out_of_range_answer_400_naming_the_parameter(string query, string field)
    {
        using var response = await fixture.Http.GetAsync($"/results?status=failed&{query}");
        await AssertProblemNaming(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("page=500&pageSize=200")]
    [InlineData("page=2000")]
    [InlineData("page=100000&pageSize=1")]
    public async Task The_last_page_the_index_can_hold_is_listed(string query)
    {
        using var response = await fixture.Http.GetAsync($"/results?status=failed&{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u200C\u200D")]
    [InlineData("\u2060")]
    [InlineData("\uFEFF")]
    [InlineData(" \u200B\t\u00A0")]
    [InlineData("\u00AD\u061C\u202E")]
    [InlineData("\u0007\u0000")]
    [InlineData("\uFE0F\u3164")]
    [InlineData("\U000E0041")]
    public async Task A_message_with_no_visible_text_answers_400_naming_message_and_stores_nothing(string message)
    {
        var id = ChatApiBatchExtensions.NewIds("invisible", 1)[0];
        using var response = await Api.PostRaw(JsonSerializer.Serialize(new { message, id }));

        await AssertProblemNaming(response, HttpStatusCode.BadRequest, "message");
        Assert.Null(await StoredResult(id));
    }

    [Theory]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData("\u200Bhi\u2060")]
    [InlineData("\u2764\uFE0F")]
    public async Task A_message_with_visible_text_among_invisible_characters_is_accepted_unchanged(string message)
    {
        var id = ChatApiBatchExtensions.NewIds("visible", 1)[0];
        using var response = await Api.PostRaw(JsonSerializer.Serialize(new { message, id }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var result = await Api.WaitForStatus(id, "completed");
        Assert.Equal(message, result.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=UTF-16LE")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=\"utf-16\"")]
    public async Task A_charset_other_than_utf8_answers_415_and_stores_nothing(string contentType)
    {
        var id = ChatApiBatchExtensions.NewIds("charset", 1)[0];
        using var response = await PostBytes(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { message = "x", id })), contentType);

        var problem = await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
        Assert.Null(await StoredResult(id));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    public async Task Utf8_or_no_charset_is_accepted(string contentType)
    {
        var id = ChatApiBatchExtensions.NewIds("utf8", 1)[0];
        using var response = await PostBytes(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { message = "x", id })), contentType);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/cluster")]
    [InlineData("/results?status=failed")]
    [InlineData("/results?status=failed&page=0")]
    [InlineData("/result/never-submitted-head")]
    [InlineData("/result/{0}")]
    [InlineData("/")]
    public async Task Head_answers_as_get_without_a_body(string template)
    {
        var id = ChatApiBatchExtensions.NewIds("head", 1)[0];
        if (template.Contains("{0}", StringComparison.Ordinal))
        {
            using var submitted = await Api.Submit("head me", id);
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        var path = string.Format(template, id);
        using var get = await fixture.Http.GetAsync(path);
        using var head = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_malformed_chunked_body_answers_400_problem_and_stores_nothing()
    {
        // Kestrel finds this while the application reads the body, so the answer can carry problem details. Errors in the
        // request line or headers (400, 414, 431) are answered by Kestrel before any application code runs: no body there.
        var id = ChatApiBatchExtensions.NewIds("chunked", 1)[0];
        var json = JsonSerializer.Serialize(new { message = "x", id });
        var request = "POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            + $"Connection: close\r\n\r\n{Encoding.UTF8.GetByteCount(json):x}\r\n{json}\r\nZZ\r\n";

        var response = await SendRaw(request);

        var head = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith("HTTP/1.1 400 ", head, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"status\":400", response, StringComparison.Ordinal);
        Assert.Null(await StoredResult(id));
    }

    [Fact]
    public async Task An_unhealthy_answer_carries_a_fixed_sentence_not_the_exception_text()
    {
        var client = DispatchProxy.Create<IClusterClient, FailingClient>();

        var answer = await WebFrontend.Apis.HealthApi.CheckAsync(client, NullLoggerFactory.Instance, CancellationToken.None);

        var problem = Assert.IsType<ProblemHttpResult>(answer.Result);
        Assert.Equal(503, problem.StatusCode);
        Assert.Equal("The cluster did not answer the health probe. Retry shortly; the frontend keeps reconnecting.", problem.ProblemDetails.Detail);
        Assert.DoesNotContain(FailingClient.Secret, JsonSerializer.Serialize(problem.ProblemDetails));
    }

    private async Task<ChatResult?> StoredResult(string id) => await fixture.Cluster.Client.GetGrain<IChatResultGrain>(id).Get();

    /// <summary>Bytes HttpClient would never send; reads until the server closes the connection.</summary>
    private async Task<string> SendRaw(string request)
    {
        var address = fixture.Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private Task<HttpResponseMessage> PostBytes(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return fixture.Http.PostAsync("/chat", content);
    }

    private static async Task AssertProblemNaming(HttpResponseMessage response, HttpStatusCode expected, string field)
    {
        var problem = await AssertProblem(response, expected);
        Assert.Equal([field], problem.GetProperty("errors").EnumerateObject().Select(error => error.Name));
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ChatApi.Json(response);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>A client whose every call fails with text that must stay in the log.</summary>
    public class FailingClient : DispatchProxy
    {
        public const string Secret = "gateway 10.1.2.3:30000 refused: Orleans.Runtime.Internal.Secret";

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => throw new InvalidOperationException(Secret);
    }

}
