using Orleans.Dashboard;
using WebFrontend.Apis;
using WebFrontend.Auth;
using WebFrontend.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.ListenOnLoopbackUnlessConfigured();
builder.AddChatClusterClient();
builder.AddChatApi();
builder.AddChatAuth();
builder.AddChatHealthChecks();
builder.AddChatOpenApi();
builder.AddChatMetrics();
builder.AddChatTracing();

var app = builder.Build();
app.UseChatErrors();
app.UseChatPage();
app.UseChatAuth();
app.MapChatApi();
app.MapResultApi();
app.MapResultsApi();
app.MapConversations();
app.MapClusterApi();
app.MapBackendsApi();
app.MapHealthApi();
app.MapChatApiDocs();
app.MapChatMetrics();
// With keys on, admin keys only, as a bearer key or as the password a browser asks for (its Trace page streams the
// log). Its page polls every second, which is not API use, so no rate limit counts it.
app.MapOrleansDashboard(routePrefix: ApiKeyAuthenticationHandler.DashboardPath)
    .ExcludeFromDescription().RequireAuthorization(AuthPolicies.Admin).DisableRateLimiting();
app.Run();

/// <summary>Entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
