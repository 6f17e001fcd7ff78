using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace Inference.Gateway;

/// <summary>
/// A server the request needs is down: answer 503 with <c>Retry-After</c> and the server's role, at once, never a 500 and
/// never a request held until the server is back.
/// </summary>
public sealed class DependencyOutages(IProblemDetailsService problems, ILogger<DependencyOutages> logger) : IExceptionHandler
{
    /// <summary>Seconds a client should wait before asking again.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var server = ServerOf(exception);
        if (server is null) return false;

        logger.LogWarning("{Method} {Path}: {Server} is unavailable ({Reason}); answered 503",
            context.Request.Method, context.Request.Path, server, exception.GetBaseException().Message);
        await WriteAsync(context, problems, server);
        return true;
    }

    public const string Broker = "RabbitMQ (the bus)";

    /// <summary>The server behind the failure, or null when it is not an outage.</summary>
    public static string? ServerOf(Exception exception) => exception switch
    {
        RedisException => "Redis (product states)",
        NpgsqlException => "PostgreSQL (stored records)",
        _ when exception.InnerException is { } inner => ServerOf(inner),
        _ => null,
    };

    public static ValueTask WriteAsync(HttpContext context, IProblemDetailsService problems, string server) =>
        WriteAsync(context, problems, "A server the pipeline needs is unavailable", $"{server} does not answer; nothing was lost.");

    /// <summary>503 with <c>Retry-After</c>: <paramref name="detail"/> says why, and the answer says when to come back.</summary>
    public static ValueTask WriteAsync(HttpContext context, IProblemDetailsService problems, string title, string detail)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = $"{detail} Try again in {RetryAfterSeconds} s.",
            },
        });
    }
}
