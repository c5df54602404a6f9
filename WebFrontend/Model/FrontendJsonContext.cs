using System.Text.Json;
using System.Text.Json.Serialization;
using Grains.Interfaces;
using Microsoft.AspNetCore.Mvc;

namespace WebFrontend.Model;

/// <summary>Source-generated JSON for every body the frontend reads or writes.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatBatchRequest))]
[JsonSerializable(typeof(ChatBatchResponse))]
[JsonSerializable(typeof(IDictionary<string, string[]>))]
[JsonSerializable(typeof(ChatAccepted))]
[JsonSerializable(typeof(ResultResponse))]
[JsonSerializable(typeof(ReplyDeltaEvent))]
[JsonSerializable(typeof(ConversationRequest))]
[JsonSerializable(typeof(ConversationCreated))]
[JsonSerializable(typeof(ConversationMessageRequest))]
[JsonSerializable(typeof(ConversationMessageAccepted))]
[JsonSerializable(typeof(ConversationResponse))]
[JsonSerializable(typeof(ConversationDeltaEvent))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ProbeResponse))]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(ResultsPage))]
[JsonSerializable(typeof(BackendResponse[]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
internal sealed partial class FrontendJsonContext : JsonSerializerContext;
