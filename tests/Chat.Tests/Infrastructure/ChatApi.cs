using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>The REST contract as a client sees it: plain HTTP and JSON, no project types.</summary>
public sealed class ChatApi(HttpClient http)
{
    public Task<HttpResponseMessage> Submit(string message, string? id = null) =>
        http.PostAsJsonAsync("/chat", id is null ? new { message } : (object)new { message, id });

    public Task<HttpResponseMessage> Submit(string message, string? id, string backend) =>
        http.PostAsJsonAsync("/chat", id is null ? new { message, backend } : (object)new { message, id, backend });

    public Task<HttpResponseMessage> PostRaw(string body, string contentType = "application/json") =>
        http.PostAsync("/chat", new StringContent(body, System.Text.Encoding.UTF8, contentType));

    public Task<HttpResponseMessage> GetResult(string id) => http.GetAsync($"/result/{id}");

    public async Task<JsonElement> Result(string id)
    {
        using var response = await GetResult(id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    public async Task<JsonElement> WaitForStatus(string id, string status, TimeSpan? timeout = null) =>
        await Eventually.Returns(() => Result(id), result => result.GetProperty("status").GetString() == status,
            $"message {id} to be {status}", timeout);

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
}

public static class ChatApiBatchExtensions
{
    /// <summary>Submits one message per id with a few requests in flight, asserting each is accepted.</summary>
    public static async Task SubmitAll(this ChatApi api, IReadOnlyList<string> ids, int parallelism = 16)
    {
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (id, _) =>
        {
            using var response = await api.Submit(MessageFor(id), id);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        });
    }

    /// <summary>Waits until every id is completed and returns their results.</summary>
    public static async Task<IReadOnlyList<JsonElement>> WaitForAllCompleted(this ChatApi api, IReadOnlyList<string> ids)
    {
        var results = new JsonElement[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            results[i] = await api.WaitForStatus(ids[i], "completed"));
        return results;
    }

    public static string MessageFor(string id) => $"hello from {id}";

    public static IReadOnlyList<string> NewIds(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => $"{prefix}-{Guid.NewGuid():N}-{i}").ToArray();

    /// <summary>Fraction of results processed by each silo.</summary>
    public static Dictionary<string, double> ShareBySilo(this IReadOnlyList<JsonElement> results) =>
        results.GroupBy(result => result.GetProperty("silo").GetString()!)
            .ToDictionary(group => group.Key, group => group.Count() / (double)results.Count);
}
