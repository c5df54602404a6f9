using Orleans.Dashboard;
using WebFrontend.Apis;
using WebFrontend.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddChatClusterClient();
builder.AddChatApi();
builder.AddChatHealthChecks();
builder.AddChatOpenApi();
builder.AddChatMetrics();

var app = builder.Build();
app.UseChatErrors();
app.UseChatPage();
app.MapChatApi();
app.MapResultApi();
app.MapResultsApi();
app.MapConversations();
app.MapClusterApi();
app.MapBackendsApi();
app.MapHealthApi();
app.MapChatApiDocs();
app.MapChatMetrics();
app.MapOrleansDashboard(routePrefix: "/dashboard").ExcludeFromDescription();
app.Run();

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
