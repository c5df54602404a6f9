using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests;

/// <summary>GET /openapi/v1.json describes every endpoint the frontend maps, with every status it can answer.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenApiDocumentTests(ChatClusterFixture fixture)
{
    private const string Problem = "application/problem+json";

    /// <summary>
    /// The API's contract: each operation and the statuses it answers. A new endpoint must be added here. With keys
    /// on, 401 without a valid key and 429 past its rate limit; 403 on the admins' endpoints for another key, and on
    /// the state-changing ones for a browser's request from another origin.
    /// </summary>
    private static readonly Dictionary<string, int[]> Expected = new()
    {
        ["POST /chat"] = [200, 202, 400, 401, 403, 409, 413, 415, 429, 503],
        ["POST /chat/batch"] = [200, 400, 401, 403, 413, 415, 429, 503],
        ["DELETE /chat/{id}"] = [200, 400, 401, 403, 404, 409, 429, 503],
        ["GET /result/{id}"] = [200, 400, 401, 404, 429, 503],
        ["HEAD /result/{id}"] = [200, 400, 401, 404, 429, 503],
        ["GET /result/{id}/events"] = [200, 400, 401, 404, 429, 503],
        ["POST /result/{id}/retry"] = [202, 400, 401, 403, 404, 409, 429, 503],
        ["GET /results"] = [200, 400, 401, 429, 503],
        ["HEAD /results"] = [200, 400, 401, 429, 503],
        ["POST /conversations"] = [201, 400, 401, 403, 413, 415, 429, 503],
        ["GET /conversations/{id}"] = [200, 400, 401, 404, 429, 503],
        ["HEAD /conversations/{id}"] = [200, 400, 401, 404, 429, 503],
        ["GET /conversations/{id}/events"] = [200, 400, 401, 404, 429, 503],
        ["POST /conversations/{id}/messages"] = [200, 202, 400, 401, 403, 404, 409, 413, 415, 429, 503],
        ["DELETE /conversations/{id}"] = [204, 400, 401, 403, 404, 429, 503],
        ["GET /cluster"] = [200, 401, 403, 429, 503],
        ["HEAD /cluster"] = [200, 401, 403, 429, 503],
        ["GET /cluster/events"] = [200, 401, 403, 429, 503],
        ["GET /backends"] = [200, 401, 429, 503],
        ["HEAD /backends"] = [200, 401, 429, 503],
        ["GET /health"] = [200, 503],
        ["HEAD /health"] = [200, 503],
        ["GET /health/live"] = [200, 503],
        ["HEAD /health/live"] = [200, 503],
        ["GET /health/ready"] = [200, 503],
        ["HEAD /health/ready"] = [200, 503],
    };

    /// <summary>
    /// Mapped, but not the API: the Orleans dashboard (its own page and the private JSON that page reads), the OpenAPI
    /// document itself and the Scalar reference that renders it, and Prometheus' scrape endpoint (its format is
    /// Prometheus', not this API's). The web page's static files are middleware, not endpoints.
    /// </summary>
    private static readonly string[] NotTheApi = ["/dashboard", "/openapi/", "/docs", "/metrics"];

    [Fact]
    public async Task Every_mapped_route_is_in_the_document_with_its_status_codes()
    {
        var mapped = fixture.FrontendServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(endpoint => (Path: PathOf(endpoint), Methods: endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]))
            .Where(route => !NotTheApi.Any(prefix => route.Path.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(route => route.Methods.Select(method => $"{method} {route.Path}"))
            .Order()
            .ToArray();
        Assert.Equal(Expected.Keys.Order().ToArray(), mapped);

        var document = await Document();
        var paths = document.GetProperty("paths");
        var described = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name != "parameters").Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .Order()
            .ToArray();
        Assert.Equal(mapped, described);

        foreach (var (operation, statuses) in Expected)
        {
            var (method, path) = (operation.Split(' ')[0].ToLowerInvariant(), operation.Split(' ')[1]);
            var responses = paths.GetProperty(path).GetProperty(method).GetProperty("responses");
            Assert.Equal(statuses.Select(status => status.ToString()).ToArray(), responses.EnumerateObject().Select(r => r.Name).Order().ToArray());
            foreach (var status in statuses.Where(status => status >= 400 && !path.StartsWith("/health/", StringComparison.Ordinal)))
            {
                Assert.True(responses.GetProperty(status.ToString()).GetProperty("content").TryGetProperty(Problem, out _), $"{operation} {status} is not described as problem details");
            }
        }
    }

    [Fact]
    public async Task The_document_describes_the_bodies_the_submit_endpoints_take()
    {
        var document = await Document();
        var paths = document.GetProperty("paths");
        foreach (var (path, field) in new[] { ("/chat", "message"), ("/chat/batch", "messages"), ("/conversations", "system"), ("/conversations/{id}/messages", "message") })
        {
            var schema = paths.GetProperty(path).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            var reference = schema.GetProperty("$ref").GetString()!;
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            var properties = document.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties");
            Assert.True(properties.TryGetProperty(field, out _), $"POST {path}'s body has no '{field}' in {properties}");
        }
    }

    [Fact]
    public async Task The_document_declares_the_api_key_and_names_it_on_every_operation_behind_a_key_check_only()
    {
        var document = await Document();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var paths = document.GetProperty("paths");
        foreach (var (operation, statuses) in Expected)
        {
            var (method, path) = (operation.Split(' ')[0].ToLowerInvariant(), operation.Split(' ')[1]);
            var described = paths.GetProperty(path).GetProperty(method);
            var schemes = described.TryGetProperty("security", out var security)
                ? security.EnumerateArray().SelectMany(requirement => requirement.EnumerateObject().Select(named => named.Name)).ToArray()
                : [];
            // An operation that can answer 401 checks the key; the probes are open whatever is configured.
            Assert.True(statuses.Contains(401) ? schemes.SequenceEqual(["bearer"]) : schemes.Length == 0, $"{operation} names the schemes [{string.Join(", ", schemes)}]");
        }
    }

    [Fact]
    public async Task Docs_serve_the_interactive_reference()
    {
        using var response = await fixture.Http.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        // Scalar's page, pointed at this frontend's document.
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);
        Assert.Contains("scalar", page, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<JsonElement> Document()
    {
        using var response = await fixture.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ChatApi.Json(response);
    }

    /// <summary>As the document names it: a group's "/backends" + "/" is "/backends".</summary>
    private static string PathOf(RouteEndpoint endpoint) => "/" + endpoint.RoutePattern.RawText!.Trim('/');
}
