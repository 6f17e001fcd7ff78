using Inference.Extractor;
using Inference.Hosting;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("extractor");
builder.Services.AddExtractorModels(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddExtractor());
var app = builder.Build();
app.MapServiceDefaults();
app.Run();
