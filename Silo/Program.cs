using Microsoft.Extensions.Hosting;

namespace Silo;

// A named entry point rather than top-level statements: the tests reference this assembly beside WebFrontend,
// whose Program they use, and two global Program types would clash there.
public static class Program
{
    public static void Main(string[] args)
    {
        // Configuration lives beside the binary, so a silo started from any directory finds its appsettings.json.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddChatSilo();
        builder.Build().Run();
    }
}
