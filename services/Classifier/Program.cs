using Inference.Classifier;
using Inference.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddInferenceTelemetry("classifier");
builder.Services.AddClassifierModel(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddClassifier());
builder.Build().Run();
