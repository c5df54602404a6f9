namespace FakeChatBackend;

// Standalone: `dotnet run --project bench/FakeChatBackend -- --urls http://127.0.0.1:5199`. Tests start the
// same server in-process through FakeChatServer.StartAsync. Not top-level statements: a global Program class
// would clash with the web frontend's in the test project, which references both.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        FakeChatServer server;
        try
        {
            server = FakeChatServer.Create(args, behavior: null, defaultUrl: "http://127.0.0.1:5199");
        }
        catch (InvalidOperationException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return 2;
        }

        await using (server)
        {
            await server.RunAsync();
        }

        return 0;
    }
}
