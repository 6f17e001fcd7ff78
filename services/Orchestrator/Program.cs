using Inference.Hosting;
using Inference.Orchestrator;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddInferenceTelemetry("orchestrator");
builder.Services.AddCategoryRouting(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddProductSaga());
builder.Build().Run();
