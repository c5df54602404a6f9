namespace FakeChatBackend;

/// <summary>How one chat API writes what <see cref="ChatPipeline"/> decides to send.</summary>
internal interface IChatDialect
{
    bool StreamsByDefault { get; }

    Task WriteWholeAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken);

    /// <summary>Writes and flushes one token of a streamed reply; the first call also sends the headers.</summary>
    Task WriteTokenAsync(HttpResponse response, ChatRequest request, string token, bool first, CancellationToken cancellationToken);

    /// <summary>Everything a stream sends after its last token: the stop, the usage, the end marker.</summary>
    Task EndStreamAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken);

    Task WriteErrorAsync(HttpResponse response, int statusCode, string type, string message, CancellationToken cancellationToken);

    /// <summary>An HTTP 200 that carries an error and no reply, in the form a streamed or whole answer would take.</summary>
    Task WriteErrorPayloadAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken);

    /// <summary>An HTTP 200 whose body does not parse.</summary>
    Task WriteMalformedAsync(HttpResponse response, ChatRequest request, CancellationToken cancellationToken);
}
