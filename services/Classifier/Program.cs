using Inference.Classifier;
using Inference.Hosting;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("classifier");
builder.Services.AddClassifierModel(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddClassifier(builder.Configuration));
var app = builder.Build();
app.MapServiceDefaults();
app.Run();
