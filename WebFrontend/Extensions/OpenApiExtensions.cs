using Scalar.AspNetCore;

namespace WebFrontend.Extensions;

public static class OpenApiExtensions
{
    /// <summary>The OpenAPI document, built from the endpoints' own metadata.</summary>
    public static WebApplicationBuilder AddChatOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Chat cluster";
            document.Info.Description = "Submit chat messages to the cluster, follow their results, and watch the cluster and its backends.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>GET /openapi/v1.json: the document; GET /docs: an interactive reference that reads it.</summary>
    public static WebApplication MapChatApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
        return app;
    }
}
