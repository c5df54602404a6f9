namespace FakeChatBackend;

/// <summary>One chat request of either API: counted, paced, and answered or failed as the injected faults say.</summary>
internal static class ChatPipeline
{
    private static readonly TimeSpan TransportDrain = TimeSpan.FromMilliseconds(100);

    public static async Task HandleAsync(HttpContext http, FakeBackend backend, IChatDialect dialect)
    {
        var aborted = http.RequestAborted;
        ChatRequest? request;
        string? problem;
        try
        {
            (request, problem) = await ChatRequest.ReadAsync(http.Request, dialect.StreamsByDefault, aborted);
        }
        catch (Exception exception) when (aborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // Gone before its request was whole: not a chat request, nothing to count.
            return;
        }

        if (request is null)
        {
            await dialect.WriteErrorAsync(http.Response, StatusCodes.Status400BadRequest, "invalid_request_error", problem!, aborted);
            return;
        }

        backend.Asked(request.Model);
        var exchange = backend.Counters.Begin();
        try
        {
            var pacer = new Pacer(backend.Behavior);
            if (backend.Faults.TakeNext() is { } fault)
            {
                await FailAsync(http, dialect, request, pacer, fault, exchange);
            }
            else
            {
                await AnswerAsync(http, backend, dialect, request, pacer, exchange);
            }
        }
        catch (Exception exception) when (aborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away; the finally block counts it.
        }
        finally
        {
            exchange.End(aborted.IsCancellationRequested ? ChatOutcome.Aborted : ChatOutcome.Failed);
        }
    }

    private static async Task AnswerAsync(HttpContext http, FakeBackend backend, IChatDialect dialect, ChatRequest request, Pacer pacer, ChatExchange exchange)
    {
        var aborted = http.RequestAborted;
        if (!request.Stream)
        {
            await pacer.UntilTokenAsync(request.Tokens.Count - 1, aborted);
            exchange.End(ChatOutcome.Completed);
            await dialect.WriteWholeAsync(http.Response, request, aborted);
            return;
        }

        var sentAt = await StreamTokensAsync(http, dialect, request, pacer, request.Tokens.Count);
        exchange.End(ChatOutcome.Completed);
        backend.Tokens.Add(request.Tag, sentAt);
        await dialect.EndStreamAsync(http.Response, request, aborted);
    }

    private static async Task FailAsync(HttpContext http, IChatDialect dialect, ChatRequest request, Pacer pacer, InjectedFault fault, ChatExchange exchange)
    {
        var aborted = http.RequestAborted;
        switch (fault.Fault)
        {
            case FakeFault.RateLimited:
            case FakeFault.Unavailable:
                exchange.End(ChatOutcome.RateLimited);
                http.Response.Headers.RetryAfter = ((long)Math.Ceiling(fault.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await (fault.Fault == FakeFault.RateLimited
                    ? dialect.WriteErrorAsync(http.Response, StatusCodes.Status429TooManyRequests, "rate_limit_exceeded", "Rate limit reached (injected by the fake backend).", aborted)
                    : dialect.WriteErrorAsync(http.Response, StatusCodes.Status503ServiceUnavailable, "server_error", "The backend is overloaded (injected by the fake backend).", aborted));
                break;
            case FakeFault.ServerError:
                exchange.End(ChatOutcome.Failed);
                await dialect.WriteErrorAsync(http.Response, StatusCodes.Status500InternalServerError, "server_error", "The backend failed (injected by the fake backend).", aborted);
                break;
            case FakeFault.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, aborted);
                break;
            case FakeFault.Disconnect:
                if (request.Stream && request.Tokens.Count / 2 is > 0 and var half)
                {
                    await StreamTokensAsync(http, dialect, request, pacer, half);

                    // Flushed bytes are still in Kestrel's transport for a moment and an abort throws them away; the
                    // cut comes when the next token is due, and never sooner than that moment, so the client does
                    // receive the first half.
                    await Task.WhenAll(pacer.UntilTokenAsync(half, aborted), Task.Delay(TransportDrain, aborted));
                }

                exchange.End(ChatOutcome.Failed);
                http.Abort();
                break;
            case FakeFault.ErrorPayload:
                exchange.End(ChatOutcome.Failed);
                await dialect.WriteErrorPayloadAsync(http.Response, request, aborted);
                break;
            case FakeFault.Malformed:
                exchange.End(ChatOutcome.Failed);
                await dialect.WriteMalformedAsync(http.Response, request, aborted);
                break;
            default:
                throw new InvalidOperationException($"Unknown fault {fault.Fault}.");
        }
    }

    /// <summary>Writes the first <paramref name="count"/> tokens as they fall due; returns when each was written (Unix µs).</summary>
    private static async Task<long[]> StreamTokensAsync(HttpContext http, IChatDialect dialect, ChatRequest request, Pacer pacer, int count)
    {
        var aborted = http.RequestAborted;
        var sentAt = new long[count];
        for (var index = 0; index < count; index++)
        {
            await pacer.UntilTokenAsync(index, aborted);
            await dialect.WriteTokenAsync(http.Response, request, request.Tokens[index], first: index == 0, aborted);
            sentAt[index] = TokenLog.NowUnixMicroseconds();

            // A write to a connection the client closed can succeed silently; the token is what tells.
            aborted.ThrowIfCancellationRequested();
        }

        return sentAt;
    }
}
