namespace FakeChatBackend;

/// <summary>Ways the next chat requests can be made to fail; the wire names are the kebab-case forms.</summary>
public enum FakeFault
{
    /// <summary>429 with Retry-After.</summary>
    RateLimited,

    /// <summary>503 with Retry-After.</summary>
    Unavailable,

    /// <summary>500 with an error body.</summary>
    ServerError,

    /// <summary>Never answers; ends when the client goes away.</summary>
    Hang,

    /// <summary>Streaming: half the tokens, then the connection is cut. Otherwise cut without a response.</summary>
    Disconnect,

    /// <summary>HTTP 200 whose body is an error object and no reply.</summary>
    ErrorPayload,

    /// <summary>HTTP 200 whose body is not JSON.</summary>
    Malformed,
}

internal static class FakeFaultNames
{
    public static bool TryParse(string? name, out FakeFault fault)
    {
        (var known, fault) = name switch
        {
            "rate-limited" => (true, FakeFault.RateLimited),
            "unavailable" => (true, FakeFault.Unavailable),
            "server-error" => (true, FakeFault.ServerError),
            "hang" => (true, FakeFault.Hang),
            "disconnect" => (true, FakeFault.Disconnect),
            "error-payload" => (true, FakeFault.ErrorPayload),
            "malformed" => (true, FakeFault.Malformed),
            _ => (false, default),
        };
        return known;
    }

    public const string Known = "rate-limited, unavailable, server-error, hang, disconnect, error-payload, malformed";
}
