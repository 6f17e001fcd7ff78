using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Inference.Hosting;

/// <summary>Traces (one per product across every service, carried by MassTransit), metrics and logs through OpenTelemetry.</summary>
public static class Telemetry
{
    /// <summary>Exports over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise collects nothing to send.</summary>
    public static IHostApplicationBuilder AddInferenceTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing.AddSource(DiagnosticHeaders.DefaultListenerName))
            .WithMetrics(metrics => metrics.AddMeter(InstrumentationOptions.MeterName));
        if (otlp) telemetry.UseOtlpExporter();

        return builder;
    }
}
