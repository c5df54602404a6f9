using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace Chat.Tests;

/// <summary>
/// With no keys, the API is open to this machine only: it answers the loopback names alone, refuses a state-changing
/// request from another origin's page, and will not start on a public address.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenFrontendTests(ChatClusterFixture fixture)
{
    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_post_or_delete_from_another_origin_is_refused_with_403_and_changes_nothing(string header, string value)
    {
        var id = $"cross-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(new { message = "from a page elsewhere", id }) };
        request.Headers.TryAddWithoutValidation(header, value);
        using var refused = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var stored = await fixture.Api.GetResult(id);
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);

        var batched = $"cross-batch-{Guid.NewGuid():N}";
        using var batch = new HttpRequestMessage(HttpMethod.Post, "/chat/batch") { Content = JsonContent.Create(new { messages = new[] { new { message = "a batch from elsewhere", id = batched } } }) };
        batch.Headers.TryAddWithoutValidation(header, value);
        using var batchRefused = await fixture.Http.SendAsync(batch);
        Assert.Equal(HttpStatusCode.Forbidden, batchRefused.StatusCode);
        using var batchStored = await fixture.Api.GetResult(batched);
        Assert.Equal(HttpStatusCode.NotFound, batchStored.StatusCode);

        using var retry = new HttpRequestMessage(HttpMethod.Post, $"/result/{id}/retry");
        retry.Headers.TryAddWithoutValidation(header, value);
        using var retried = await fixture.Http.SendAsync(retry);
        Assert.Equal(HttpStatusCode.Forbidden, retried.StatusCode);

        // A message of this machine's own client (no browser's headers), still on its way: another origin's page may
        // not cancel it, so it completes.
        var own = $"own-{Guid.NewGuid():N}";
        using (var submitted = await fixture.Api.Submit("mine to cancel", own))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        using var cancel = new HttpRequestMessage(HttpMethod.Delete, $"/chat/{own}");
        cancel.Headers.TryAddWithoutValidation(header, value);
        using var cancelRefused = await fixture.Http.SendAsync(cancel);
        Assert.Equal(HttpStatusCode.Forbidden, cancelRefused.StatusCode);
        Assert.Equal("application/problem+json", cancelRefused.Content.Headers.ContentType?.MediaType);
        var ended = await Eventually.Returns(
            () => fixture.Api.Result(own), result => result.GetProperty("status").GetString() is "completed" or "cancelled" or "failed", $"message {own} to end");
        Assert.Equal("completed", ended.GetProperty("status").GetString());

        // Nor start a conversation, or delete one.
        using var create = new HttpRequestMessage(HttpMethod.Post, "/conversations") { Content = JsonContent.Create(new { system = "from elsewhere" }) };
        create.Headers.TryAddWithoutValidation(header, value);
        using var createRefused = await fixture.Http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Forbidden, createRefused.StatusCode);

        using var created = await fixture.Http.PostAsJsonAsync("/conversations", new { system = "mine" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var conversation = (await ChatApi.Json(created)).GetProperty("id").GetString()!;
        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/conversations/{conversation}");
        delete.Headers.TryAddWithoutValidation(header, value);
        using var deleteRefused = await fixture.Http.SendAsync(delete);
        Assert.Equal(HttpStatusCode.Forbidden, deleteRefused.StatusCode);
        using var kept = await fixture.Http.GetAsync($"/conversations/{conversation}");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }

    [Fact]
    public async Task Without_keys_the_dashboard_is_served_but_its_log_stream_is_not()
    {
        using (var dashboard = await fixture.Http.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        }

        using var trace = await fixture.Http.GetAsync("/dashboard/Trace", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, trace.StatusCode);
        Assert.Equal("application/problem+json", trace.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_post_from_the_frontend_s_own_page_is_taken()
    {
        var id = $"same-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat") { Content = JsonContent.Create(new { message = "from the page", id }) };
        request.Headers.TryAddWithoutValidation("Origin", fixture.Http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        using var accepted = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Theory]
    [InlineData("rebound.attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    public async Task Only_the_loopback_names_are_answered(string host, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Host = $"{host}:{fixture.Http.BaseAddress!.Port}";
        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:0")]
    [InlineData("urls", "http://127.0.0.1:0;http://*:0")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://192.0.2.10:0")]
    public async Task Without_keys_the_frontend_refuses_to_listen_beyond_loopback(string key, string value)
    {
        var failure = await StartFrontendAsync((key, value));

        AssertNamesKey("Auth:Keys", failure);
    }

    [Theory]
    [InlineData("Auth:Keys:bad name", "Auth:Keys:bad name=0123456789abcdef0123")]
    [InlineData("Auth:Keys:short", "Auth:Keys:short=tooshort")]
    [InlineData("Auth:Keys:b", "Auth:Keys:a=0123456789abcdef0123;Auth:Keys:b=0123456789abcdef0123")]
    [InlineData("Auth:AdminKeys", "Auth:Keys:a=0123456789abcdef0123;Auth:AdminKeys=root")]
    [InlineData("Auth:RequestsPerMinute", "Auth:Keys:a=0123456789abcdef0123;Auth:RequestsPerMinute=-1")]
    [InlineData("Auth:PublicHost", "Auth:PublicHost=https://chat.example.com/")]
    public async Task A_bad_auth_setting_stops_the_frontend_naming_its_key(string key, string settings)
    {
        var failure = await StartFrontendAsync(settings.Split(';').Select(pair => pair.Split('=', 2)).Select(pair => (pair[0], pair[1])).ToArray());

        AssertNamesKey(key, failure);
        Assert.DoesNotContain("0123456789abcdef0123", failure!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("tooshort", failure.ToString(), StringComparison.Ordinal);
    }

    private static async Task<Exception?> StartFrontendAsync(params (string Key, string Value)[] settings)
    {
        await using var frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
            // No cluster to reach: the host must fail on the setting, not wait for silos.
            web.UseSetting("Cluster:Gateways", $"127.0.0.1:{FreePorts.Any()}");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });

        return await Record.ExceptionAsync(() => Task.Run(frontend.StartServer).WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private static void AssertNamesKey(string key, Exception? failure)
    {
        Assert.NotNull(failure);
        var chain = new List<Exception>();
        for (var current = failure; current is not null; current = current.InnerException)
        {
            chain.Add(current);
        }

        Assert.True(
            chain.OfType<OptionsValidationException>().Any(invalid => invalid.Failures.Any(message => message.StartsWith($"{key}: ", StringComparison.Ordinal))),
            $"Expected a failure naming {key}; got:{Environment.NewLine}{failure}");
    }
}
