using Chat.Configuration;
using Microsoft.AspNetCore.Diagnostics;
using WebFrontend.Apis;
using WebFrontend.Model;

namespace WebFrontend.Extensions;

public static class ChatApiExtensions
{
    /// <summary>HTTP-side services: options, JSON, limits, and problem details for every error.</summary>
    public static WebApplicationBuilder AddChatApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ChatOptions, ChatOptionsValidator>(ChatOptions.Section);
        builder.Services.AddSingleton<ChatSubmitter>();
        // A message's callbackUrl is checked against the webhook settings when it is submitted.
        WebhooksOptions.Add(builder.Services);
        builder.Services.AddSingleton<CallbackAddresses>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, FrontendJsonContext.Default));

        var chat = builder.Configuration.GetValidated<ChatOptions, ChatOptionsValidator>(ChatOptions.Section);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = chat.MaxRequestBodyBytes);

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ChatExceptionHandler>();
        return builder;
    }

    /// <summary>The web page: static files from wwwroot, index.html at /.</summary>
    public static WebApplication UseChatPage(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }

    /// <summary>Turns exceptions and bare error status codes (404, 405, ...) into problem details.</summary>
    public static WebApplication UseChatErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
