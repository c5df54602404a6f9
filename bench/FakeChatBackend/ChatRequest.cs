using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FakeChatBackend;

/// <summary>What the fake needs from a chat request of either API, and the deterministic reply to it.</summary>
/// <param name="Tag">The first word of the user's message, under which the token log keeps this reply's timings.</param>
internal sealed partial record ChatRequest(string Model, bool Stream, IReadOnlyList<string> Tokens, int PromptTokens, string Tag = "")
{
    public string Reply => string.Concat(Tokens);

    public int CompletionTokens => Tokens.Count;

    /// <summary>Reads the request body; null with a reason when it is not a chat request this fake can answer.</summary>
    public static async Task<(ChatRequest? Request, string? Problem)> ReadAsync(HttpRequest http, bool streamByDefault, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return (null, $"The body is not JSON: {exception.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "The body must be a JSON object.");
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(model.GetString()))
            {
                return (null, "'model' is required.");
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                return (null, "'messages' must be an array.");
            }

            var stream = root.TryGetProperty("stream", out var streamFlag) && streamFlag.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? streamFlag.GetBoolean()
                : streamByDefault;

            var promptTokens = 0;
            var lastUserText = "";
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return (null, "Each message must be an object.");
                }

                var text = message.TryGetProperty("content", out var content) ? TextOf(content) : "";
                promptTokens += Word().Count(text);
                if (message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user")
                {
                    lastUserText = text;
                }
            }

            var name = model.GetString()!;
            var tag = Word().Match(lastUserText) is { Success: true } first ? first.Value : "";
            return (new ChatRequest(name, stream, Tokenize($"{name} says: {lastUserText}"), promptTokens, tag), null);
        }
    }

    /// <summary>Content is a string, or an array of parts of which the text parts count.</summary>
    private static string TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object
                && part.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"
                && part.TryGetProperty("text", out var partText) && partText.ValueKind == JsonValueKind.String)
            {
                text.Append(partText.GetString());
            }
        }

        return text.ToString();
    }

    /// <summary>Each word with the whitespace after it (the first also with any before it), so the tokens join back into the reply.</summary>
    internal static IReadOnlyList<string> Tokenize(string reply) =>
        TokenPattern().Matches(reply).Select(match => match.Value).ToArray();

    [GeneratedRegex(@"\s*\S+\s*")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();
}
