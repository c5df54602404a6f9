using Microsoft.Extensions.Hosting;
using Silo;

// Configuration lives beside the binary, so a silo started from any directory finds its appsettings.json.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddChatSilo();
builder.Build().Run();
