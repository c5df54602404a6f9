using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grains.Interfaces;

/// <summary>
/// <see cref="ResultResponse"/> written as the frontend writes it (web defaults, nulls kept), so a webhook's body is the
/// document GET /result/{id} answers.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ResultResponse))]
public sealed partial class ResultJsonContext : JsonSerializerContext;
