namespace FakeChatBackend;

// Standalone: `dotnet run --project bench/FakeChatBackend -- --urls http://127.0.0.1:5199`. Tests start the
// same server in-process through FakeChatServer.StartAsync. Not top-level statements: a global Program class
// would clash with the web frontend's in the test project, which references both.
internal static class Program
{
    public static async Task Main(string[] args)
    {
        await using var server = FakeChatServer.Create(args, behavior: null, defaultUrl: "http://127.0.0.1:5199");
        await server.RunAsync();
    }
}
