using Inference.Gateway;
using Inference.Gateway.Pipeline;
using Inference.Gateway.Products;
using Inference.Gateway.Reprocessing;
using Inference.Gateway.Security;
using Inference.Hosting;
using MassTransit;

var builder = WebApplication.CreateBuilder(args);
// The dashboard's files: from the build output's manifest when run from a build (inference stack), from wwwroot when published.
builder.WebHost.UseStaticWebAssets();
builder.AddServiceDefaults("gateway");
builder.Services
    .AddGatewayOptions(builder.Configuration)
    .AddApiKeyAuthentication()
    .AddProductIntake(builder.Configuration)
    .AddProductRecords(builder.Configuration)
    .AddReprocessing()
    .AddPipelineStatistics(builder.Configuration)
    .AddGatewayHealthChecks()
    .AddApiDocs();
builder.AddInferenceBus(bus =>
{
    bus.AddProductStateRepository(builder.Configuration);
    bus.ConfigureHealthCheckOptions(health => health.Name = "bus");
});

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.MapProducts();
app.MapPipeline();
app.MapReprocessing();
app.MapServiceDefaults();
app.MapApiDocs();
app.Run();
