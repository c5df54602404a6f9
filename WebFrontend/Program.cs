using WebFrontend.Extensions;

// The frontend in a process of its own; a silo can serve the same frontend itself (Silo__ServeWebFrontend).
var builder = WebApplication.CreateBuilder(args);
builder.AddChatWebFrontend(FrontendHosting.OwnProcess);

var app = builder.Build();
app.MapChatWebFrontend();
app.Run();

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
