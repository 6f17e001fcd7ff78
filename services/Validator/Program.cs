using Inference.Hosting;
using Inference.Validator;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddInferenceTelemetry("validator");
builder.Services.AddValidatorRules(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddValidator());
builder.Build().Run();
