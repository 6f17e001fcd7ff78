using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Security;

/// <summary>Who may do what: writes always need a key, reads only when <see cref="GatewayOptions.RequireKeyForReads"/> says so.</summary>
public static class GatewayPolicies
{
    public const string Write = "write";
    public const string Read = "read";

    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeys>();
        services.AddHostedService<ApiKeyAudit>();
        services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyDefaults.Scheme, null);
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<GatewayOptions>>((authorization, gateway) =>
        {
            authorization.AddPolicy(Write, policy => policy.RequireAuthenticatedUser());
            authorization.AddPolicy(Read, policy =>
            {
                if (gateway.Value.RequireKeyForReads) policy.RequireAuthenticatedUser();
                else policy.RequireAssertion(_ => true);
            });
        });
        return services;
    }
}

/// <summary>Says at start-up, loudly, when no key is configured: the gateway then refuses writes rather than run open.</summary>
sealed class ApiKeyAudit(ApiKeys keys, IOptions<GatewayOptions> options, ILogger<ApiKeyAudit> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!keys.Any)
        {
            logger.LogWarning(
                "Gateway:ApiKeys is empty: every write (POST /v1/products) will be refused with 401{Reads}. Configure a key (Gateway__ApiKeys__0) to accept products",
                options.Value.RequireKeyForReads ? ", and every read too (Gateway:RequireKeyForReads is true)" : "");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
