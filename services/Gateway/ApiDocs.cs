using Inference.Gateway.Products;
using Inference.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Inference.Gateway;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) and the interactive API page (<c>/scalar</c>), served from the package, no CDN.</summary>
public static class ApiDocs
{
    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Inference Gateway";
                document.Info.Description = "Product text in, enriched records out: submit products, follow their saga, read their stored record, watch the pipeline.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyDefaults.Scheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ApiKeyDefaults.Header,
                    Description = "One of Gateway:ApiKeys. Always needed to post; needed to read when Gateway:RequireKeyForReads is true.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ProductEndpoints.ProductSubmissionBodyMetadata>().Any())
                {
                    var product = await context.GetOrCreateSchemaAsync(typeof(ProductSubmissionBody), null, cancellationToken);
                    var batch = await context.GetOrCreateSchemaAsync(typeof(ProductSubmissionBody[]), null, cancellationToken);
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Description = "One product, or a batch: an array of up to Gateway:MaxBatchSize of them.",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = new OpenApiSchema { OneOf = [product, batch] } },
                        },
                    };
                }

                var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy);
                if (policies.Any(p => p is GatewayPolicies.Write or GatewayPolicies.Read))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(ApiKeyDefaults.Scheme, context.Document)] = [],
                    });
                }
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi();
        routes.MapScalarApiReference(options => options
            .WithTitle("Inference Gateway API")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .AddPreferredSecuritySchemes([ApiKeyDefaults.Scheme]));
        return routes;
    }
}
