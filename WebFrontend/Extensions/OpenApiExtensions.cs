using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace WebFrontend.Extensions;

public static class OpenApiExtensions
{
    /// <summary>The name of the API-key scheme in the document's components.</summary>
    public const string BearerScheme = "bearer";

    /// <summary>
    /// The OpenAPI document, built from the endpoints' own metadata. It declares the API key as an HTTP bearer scheme
    /// and names it on every operation behind a key check, so generated clients send the key (with keys off the check
    /// lets every request through, and the key is simply not needed).
    /// </summary>
    public static WebApplicationBuilder AddChatOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Chat cluster";
                document.Info.Description = "Submit chat messages to the cluster, follow their results, and watch the cluster and its backends.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API key from Auth__Keys__<name>, as `Authorization: Bearer <secret>`. Needed only when keys are configured.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }

                return Task.CompletedTask;
            });
        });
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
