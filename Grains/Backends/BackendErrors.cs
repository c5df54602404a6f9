using System.ClientModel;
using System.Net.Sockets;
using System.Text.Json;

namespace Grains.Backends;

/// <summary>Turns what a backend's client threw into the sentence a result's <c>error</c> shows: what went wrong, and where.</summary>
public static class BackendErrors
{
    public static string Describe(BackendDefinition backend, Exception exception) => exception switch
    {
        BackendErrorPayloadException payload => $"The backend {backend.Name} {FirstLine(payload.Message)}",
        // What the OpenAI client throws when an answer has no choices to read.
        ArgumentOutOfRangeException => $"The backend {backend.Name} answered without a reply: {FirstLine(exception.Message)}",
        HttpRequestException { InnerException: IOException io } =>
            $"The backend {backend.Name} closed the connection before the reply was complete: {FirstLine(io.Message)}",
        HttpRequestException { InnerException: SocketException socket } =>
            $"The backend {backend.Name} could not be reached at {backend.Endpoint}: {socket.Message}.",
        HttpRequestException { StatusCode: { } status } http =>
            $"The backend {backend.Name} answered {(int)status}: {FirstLine(http.Message)}",
        HttpRequestException http => $"The backend {backend.Name} failed at {backend.Endpoint}: {FirstLine(http.Message)}",
        ClientResultException { InnerException: HttpRequestException { InnerException: IOException io } } =>
            $"The backend {backend.Name} closed the connection before the reply was complete: {FirstLine(io.Message)}",
        ClientResultException { InnerException: HttpRequestException { InnerException: SocketException socket } } =>
            $"The backend {backend.Name} could not be reached at {backend.Endpoint}: {socket.Message}.",
        ClientResultException { Status: > 0 } result => $"The backend {backend.Name} answered {result.Status}: {FirstLine(result.Message)}",
        ClientResultException result => $"The backend {backend.Name} failed at {backend.Endpoint}: {FirstLine(result.Message)}",
        JsonException json => $"The backend {backend.Name} sent a reply that is not valid JSON: {FirstLine(json.Message)}",
        IOException io => $"The backend {backend.Name} closed the connection before the reply was complete: {FirstLine(io.Message)}",
        _ => $"The backend {backend.Name} failed: {exception.GetType().Name}: {FirstLine(exception.Message)}",
    };

    // Client messages can run to many lines of raw response; the first says what happened.
    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length <= 500 ? line : line[..500] + "…";
    }
}
