using System.Reflection;
using System.Text.Json;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inference.Hosting;

/// <summary>What every service has: OpenTelemetry traces and metrics, health checks, and the endpoints that expose them.</summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this decide readiness (the bus adds its own; Redis and PostgreSQL add theirs).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Health checks tagged with this decide liveness: failing, the process is to be restarted.</summary>
    public const string LiveTag = "live";

    /// <summary>ASP.NET Core's own meters and spans: HTTP requests (the Gateway's API above all) beside the bus's.</summary>
    static readonly string[] AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];
    const string AspNetCoreSpans = "Microsoft.AspNetCore";

    /// <summary>PostgreSQL's client (Npgsql) names its meter and spans so; served wherever a service talks to PostgreSQL.</summary>
    const string Npgsql = "Npgsql";

    /// <summary>
    /// Series one metric may have in a service. The SDK allocates every metric's points up front, 2,000 by default: 10 MB of the
    /// Store's 26 MB managed heap under load (72 metrics). The widest metric here has a handful of series (per queue, message type,
    /// stage, outcome); a series past the limit is counted under <c>otel.metric.overflow</c>, not lost.
    /// </summary>
    public const int MetricSeriesLimit = 200;

    /// <summary>The longest a readiness check may take before it counts as failed.</summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Traces follow a product across every service, from the HTTP request that posted it (MassTransit carries the context in
    /// message headers); metrics (the bus's and HTTP's) are served at <c>/metrics</c> for Prometheus, and both go over OTLP
    /// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        NativeHeap.ReturnLargeBlocks(); // before any model loads
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                ServiceName(builder.Configuration, serviceName), serviceVersion: ServiceVersion(), serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
                .AddMeter([InstrumentationOptions.MeterName, .. AspNetCoreMeters, Npgsql, ModelMetrics.MeterName, SkippedMessages.MeterName])
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MetricSeriesLimit })
                .AddRuntimeInstrumentation()
                .AddHttpClientInstrumentation()
                .AddPrometheusExporter());
        // Traces are only built when something receives them: an unexported span still costs MassTransit a tagged Activity per message.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(DiagnosticHeaders.DefaultListenerName, ProductBatchSender.Spans.Name, AspNetCoreSpans, Npgsql)
                .AddHttpClientInstrumentation()
                .AddRedisInstrumentation());
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks();
        // A dependency that cannot answer within seconds is down as far as readiness goes: the probe answers, never hangs.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var check in options.Registrations) check.Timeout = check.Timeout == Timeout.InfiniteTimeSpan ? HealthCheckTimeout : check.Timeout;
        });
        return builder;
    }

    /// <summary>The name deployment gives the service (<c>OTEL_SERVICE_NAME</c>, as compose files and charts set it) wins over the code's.</summary>
    static string ServiceName(IConfiguration configuration, string serviceName) =>
        configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : serviceName;

    /// <summary>The entry assembly's informational version (without the source revision suffix), as <c>service.version</c>.</summary>
    static string? ServiceVersion() =>
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];

    /// <summary>
    /// <c>/health/live</c> (the process answers and its bus still delivers), <c>/health/ready</c> (every dependency answers, each check by name, as JSON),
    /// <c>/metrics</c> (Prometheus).
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag), ResponseWriter = WriteHealthAsync })
            .WithTags("Health");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthAsync })
            .WithTags("Health");
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                error = e.Value.Exception?.Message,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
