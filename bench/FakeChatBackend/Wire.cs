using System.Text.Json;
using System.Text.Json.Serialization;

namespace FakeChatBackend;

// The chat APIs' own shapes (snake_case, as OpenAI and Ollama write them).
internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, TokenUsage Usage);

internal sealed record CompletionChoice(int Index, ChatMessage Message, string FinishReason);

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, TokenUsage? Usage);

internal sealed record ChunkChoice(int Index, ChunkDelta Delta, string? FinishReason);

internal sealed record ChunkDelta(string? Role, string? Content);

internal sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

internal sealed record OpenAiError(OpenAiErrorDetail Error);

internal sealed record OpenAiErrorDetail(string Message, string Type, string? Code);

internal sealed record ModelList(string Object, IReadOnlyList<ModelEntry> Data);

internal sealed record ModelEntry(string Id, string Object, long Created, string OwnedBy);

internal sealed record OllamaChatResponse(
    string Model, string CreatedAt, ChatMessage Message, bool Done, string? DoneReason = null,
    int? PromptEvalCount = null, int? EvalCount = null);

internal sealed record OllamaError(string Error);

internal sealed record OllamaTags(IReadOnlyList<OllamaModel> Models);

internal sealed record OllamaModel(string Name, string Model, string ModifiedAt, long Size, string Digest);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(OpenAiError))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(OllamaChatResponse))]
[JsonSerializable(typeof(OllamaError))]
[JsonSerializable(typeof(OllamaTags))]
internal sealed partial class ChatApiJson : JsonSerializerContext;

// The fake's own control API (camelCase, like the rest of the project's HTTP).
internal sealed record FaultRequest(string? Fault, int? Count, double? RetryAfterSeconds);

internal sealed record BehaviorRequest(int? LatencyMs, double? TokensPerSecond);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(FaultRequest))]
[JsonSerializable(typeof(BehaviorRequest))]
[JsonSerializable(typeof(FakeChatBehavior))]
[JsonSerializable(typeof(FakeChatStats))]
[JsonSerializable(typeof(IReadOnlyList<FakeTokenTimes>))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))]
[JsonSerializable(typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails))]
internal sealed partial class ControlJson : JsonSerializerContext;
