namespace WebFrontend.Model;

/// <summary>
/// Body of POST /chat. <see cref="Id"/> is optional; giving one makes the call idempotent. <see cref="Backend"/> names
/// the backend that should answer; without it, the cluster's default (Chat:DefaultBackend). <see cref="CallbackUrl"/>, an
/// absolute http or https URL, is sent the message's outcome once it has finished, as webhook subscribers are.
/// </summary>
public sealed record ChatRequest(string? Message, string? Id, string? Backend = null, string? CallbackUrl = null);
