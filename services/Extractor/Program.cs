using Inference.Extractor;
using Inference.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddInferenceTelemetry("extractor");
builder.Services.AddExtractorModels(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddExtractor());
builder.Build().Run();
