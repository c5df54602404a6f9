using Microsoft.AspNetCore.Http.HttpResults;

namespace FakeChatBackend;

/// <summary>The chat APIs the fake speaks, and its own control API under /fake.</summary>
internal static class FakeChatEndpoints
{
    public static void MapFakeChat(this WebApplication app, FakeBackend backend)
    {
        app.MapPost("/v1/chat/completions", (HttpContext http) => ChatPipeline.HandleAsync(http, backend, OpenAiDialect.Instance));
        app.MapGet("/v1/models", () => TypedResults.Json(
            new ModelList("list", [.. backend.Models.Select(model => new ModelEntry(model.Name, "model", model.FirstAsked.ToUnixTimeSeconds(), "fake"))]),
            ChatApiJson.Default.ModelList));

        app.MapPost("/api/chat", (HttpContext http) => ChatPipeline.HandleAsync(http, backend, OllamaDialect.Instance));
        app.MapGet("/api/tags", () => TypedResults.Json(
            new OllamaTags([.. backend.Models.Select(model => new OllamaModel(
                model.Name, model.Name, model.FirstAsked.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), 0, "fake"))]),
            ChatApiJson.Default.OllamaTags));

        var control = app.MapGroup("/fake");
        control.MapPost("/faults", (FaultRequest request) => InjectFault(backend, request));
        control.MapPost("/behavior", (BehaviorRequest request) => ChangeBehavior(backend, request));
        control.MapGet("/behavior", () => TypedResults.Ok(backend.Behavior));
        control.MapGet("/stats", () => TypedResults.Ok(backend.Counters.Snapshot()));
        control.MapGet("/tokens", () => TypedResults.Ok(backend.Tokens.Snapshot()));
        control.MapPost("/stats/reset", () =>
        {
            backend.Counters.Reset();
            backend.Tokens.Clear();
            return TypedResults.NoContent();
        });
        control.MapPost("/reset", () =>
        {
            backend.Reset();
            return TypedResults.NoContent();
        });
    }

    private static Results<NoContent, ProblemHttpResult> InjectFault(FakeBackend backend, FaultRequest request)
    {
        if (!FakeFaultNames.TryParse(request.Fault, out var fault))
        {
            return Invalid($"'fault' must be one of: {FakeFaultNames.Known}.");
        }

        if (request.Count is < 1)
        {
            return Invalid("'count' must be 1 or more.");
        }

        if (request.RetryAfterSeconds is { } seconds && (!double.IsFinite(seconds) || seconds < 0))
        {
            return Invalid("'retryAfterSeconds' must be 0 or more.");
        }

        backend.Faults.Add(fault, request.Count ?? 1, request.RetryAfterSeconds is { } wait ? TimeSpan.FromSeconds(wait) : null);
        return TypedResults.NoContent();
    }

    /// <summary>Fields left out keep their current values.</summary>
    private static Results<Ok<FakeChatBehavior>, ProblemHttpResult> ChangeBehavior(FakeBackend backend, BehaviorRequest request)
    {
        var current = backend.Behavior;
        var changed = new FakeChatBehavior(request.LatencyMs ?? current.LatencyMs, request.TokensPerSecond ?? current.TokensPerSecond);
        try
        {
            backend.Behavior = changed;
        }
        catch (ArgumentOutOfRangeException exception)
        {
            return Invalid(exception.Message);
        }

        return TypedResults.Ok(changed);
    }

    private static ProblemHttpResult Invalid(string detail) =>
        TypedResults.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);
}
