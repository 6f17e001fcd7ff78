using Inference.Hosting;
using Inference.Store;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddInferenceTelemetry("store");
builder.Services.AddProductStore(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddStore());
builder.Build().Run();
