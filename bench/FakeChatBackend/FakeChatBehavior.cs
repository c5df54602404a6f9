namespace FakeChatBackend;

/// <summary>How the fake paces its replies.</summary>
/// <param name="LatencyMs">Wait before the first token.</param>
/// <param name="TokensPerSecond">Pace of the tokens after the first; 0 sends the whole reply at once.</param>
public sealed record FakeChatBehavior(int LatencyMs = 0, double TokensPerSecond = 0)
{
    public static FakeChatBehavior Default { get; } = new();

    internal FakeChatBehavior Validated()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(LatencyMs);
        if (!double.IsFinite(TokensPerSecond) || TokensPerSecond < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TokensPerSecond), TokensPerSecond, "Tokens per second must be a finite number, 0 or more.");
        }

        return this;
    }
}
