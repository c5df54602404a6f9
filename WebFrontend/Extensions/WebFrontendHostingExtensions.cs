using Orleans.Dashboard;
using WebFrontend.Apis;
using WebFrontend.Auth;

namespace WebFrontend.Extensions;

/// <summary>Where the web frontend runs: in a process of its own, or inside a silo that serves it.</summary>
public enum FrontendHosting
{
    /// <summary>Its own process, an Orleans client of the cluster's gateways.</summary>
    OwnProcess,

    /// <summary>
    /// Inside a silo: its grain calls start on that silo, with no client, gateway or socket between them, and reach
    /// grains on the same silo without serialization.
    /// </summary>
    InSilo,
}

/// <summary>The web frontend's parts, in one place for both ways of hosting it.</summary>
public static class WebFrontendHostingExtensions
{
    public static WebApplicationBuilder AddChatWebFrontend(this WebApplicationBuilder builder, FrontendHosting hosting)
    {
        builder.ListenOnLoopbackUnlessConfigured();
        if (hosting == FrontendHosting.InSilo)
        {
            builder.AddChatClusterAccess();
        }
        else
        {
            builder.AddChatClusterClient();
        }

        builder.AddChatApi();
        builder.AddChatAuth();
        builder.AddChatHealthChecks();
        builder.AddChatOpenApi();
        builder.AddChatMetrics(hosting);
        builder.AddChatTracing(hosting);
        return builder;
    }

    public static WebApplication MapChatWebFrontend(this WebApplication app)
    {
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
        // With keys on, admin keys only, as a bearer key or as the password a browser asks for (its Trace page streams
        // the log). Its page polls every second, which is not API use, so no rate limit counts it.
        app.MapOrleansDashboard(routePrefix: ApiKeyAuthenticationHandler.DashboardPath)
            .ExcludeFromDescription().RequireAuthorization(AuthPolicies.Admin).DisableRateLimiting();
        return app;
    }
}
