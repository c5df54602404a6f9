namespace FakeChatBackend;

/// <summary>What the fake has seen since the last reset.</summary>
/// <param name="Requests">Chat requests received (either API); a body that is not a chat request is answered 400 and not counted.</param>
/// <param name="InFlight">Chat requests being answered now.</param>
/// <param name="MaxInFlight">The most in flight at once.</param>
/// <param name="Completed">Answered fully.</param>
/// <param name="Aborted">The client went away before the end (including a hung request it gave up on).</param>
/// <param name="RateLimited">429 and 503 answers sent.</param>
/// <param name="Failed">Other injected failures: server-error, disconnect, error-payload, malformed.</param>
public sealed record FakeChatStats(long Requests, int InFlight, int MaxInFlight, long Completed, long Aborted, long RateLimited, long Failed);

/// <summary>One chat request the fake answered: when it came, when it ended, and how (completed, aborted, ratelimited, failed).</summary>
public sealed record FakeChatExchange(DateTimeOffset StartedAt, DateTimeOffset EndedAt, string Outcome);

/// <summary>
/// One streamed reply that ran to its end: the first word of the user's message (the tag a benchmark gives it) and
/// when each token was written, in microseconds since the Unix epoch.
/// </summary>
public sealed record FakeTokenTimes(string Tag, long[] SentAt);
