using Chat.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using WebFrontend.Extensions;

namespace Silo;

// A named entry point rather than top-level statements: the tests reference this assembly beside WebFrontend,
// whose Program they use, and two global Program types would clash there.
public static class Program
{
    public static void Main(string[] args)
    {
        // Configuration lives beside the binary, so a silo started from any directory finds its appsettings.json.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Read and checked the one way every option is, before the host is chosen: a bad Silo setting stops here, named.
        if (builder.Configuration.GetValidated<SiloHostOptions, SiloHostOptionsValidator>(SiloHostOptions.Section).ServeWebFrontend)
        {
            RunWithWebFrontend(args);
            return;
        }

        builder.AddChatSilo();
        builder.Build().Run();
    }

    /// <summary>The silo and the web frontend in one host; the page's files are copied beside the binary (wwwroot).</summary>
    private static void RunWithWebFrontend(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddChatSilo();
        builder.AddChatWebFrontend(FrontendHosting.InSilo);

        var app = builder.Build();
        app.MapChatWebFrontend();
        app.Run();
    }
}
