using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Inference.Gateway.Security;

/// <summary>The API key scheme's names.</summary>
public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";
}

/// <summary>Authenticates a caller by the <c>X-Api-Key</c> header; answers a refused request with a 401 problem that says why.</summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyDefaults.Header, out var values) || values.Count == 0)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (values.Count > 1)
            return Task.FromResult(AuthenticateResult.Fail($"more than one {ApiKeyDefaults.Header} header"));

        var index = keys.Match(values[0]);
        if (index < 0)
            return Task.FromResult(AuthenticateResult.Fail($"the {ApiKeyDefaults.Header} header holds no valid key"));

        // The key's position names the caller in logs and traces; the key itself never leaves this class.
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, $"api-key-{index}")], ApiKeyDefaults.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyDefaults.Scheme)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{ApiKeyDefaults.Scheme} header=\"{ApiKeyDefaults.Header}\"";
        var detail = !keys.Any
            ? "No API key is configured on this gateway (Gateway:ApiKeys), so this request cannot be authorized."
            : Request.Headers.ContainsKey(ApiKeyDefaults.Header)
                ? $"The {ApiKeyDefaults.Header} header holds no valid key."
                : $"This request needs an API key in the {ApiKeyDefaults.Header} header.";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = StatusCodes.Status401Unauthorized, Title = "An API key is required", Detail = detail },
        });
    }
}
