using Inference.Hosting;
using Inference.Orchestrator;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("orchestrator");
builder.Services.AddCategoryRouting(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddProductSaga(builder.Configuration));
var app = builder.Build();
app.MapServiceDefaults();
app.Run();
