using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Text.Json.Serialization;

// The ceiling: the chat REST contract with nothing behind it. A message is stored with its echo reply as
// it is accepted, so every figure measured against it is what HTTP, JSON and the load generator cost on
// this machine at that moment; the cluster's figures are reported as fractions of it.
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["Urls"] ?? "http://127.0.0.1:5099");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, CeilingJson.Default));

var app = builder.Build();
var results = new ConcurrentDictionary<string, StoredResult>();

app.MapPost("/chat", (Submission submission) =>
{
    if (string.IsNullOrEmpty(submission.Message))
    {
        return Results.Problem(title: "Invalid message", statusCode: StatusCodes.Status400BadRequest);
    }

    var id = submission.Id ?? Guid.NewGuid().ToString("N");
    var now = DateTimeOffset.UtcNow;
    var result = results.GetOrAdd(id, _ => new StoredResult(id, "completed", submission.Message, submission.Message, null, 1, "ceiling", "ceiling", now, now, now));
    return Results.Accepted($"/result/{id}", new Accepted(result.Id, "queued"));
});

app.MapGet("/result/{id}", (string id) =>
    results.TryGetValue(id, out var result) ? Results.Ok(result) : Results.Problem(title: "Not found", statusCode: StatusCodes.Status404NotFound));

app.MapGet("/result/{id}/events", (string id) =>
    results.TryGetValue(id, out var result)
        ? TypedResults.ServerSentEvents(One(result))
        : Results.Problem(title: "Not found", statusCode: StatusCodes.Status404NotFound));

app.MapGet("/health", () => Results.Ok(new Health("connected", 0)));

app.Run();

static async IAsyncEnumerable<SseItem<StoredResult>> One(StoredResult result)
{
    await Task.CompletedTask;
    yield return new SseItem<StoredResult>(result, "result");
}

internal sealed record Submission(string? Message, string? Id);

internal sealed record Accepted(string Id, string Status);

internal sealed record Health(string Status, int Silos);

internal sealed record StoredResult(
    string Id, string Status, string Message, string? Result, string? Error, int Attempts, string Silo, string Worker,
    DateTimeOffset EnqueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Submission))]
[JsonSerializable(typeof(Accepted))]
[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(StoredResult))]
internal sealed partial class CeilingJson : JsonSerializerContext;
