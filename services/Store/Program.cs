using Inference.Hosting;
using Inference.Store;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("store");
builder.Services.AddProductStore(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddStore());
var app = builder.Build();
app.MapServiceDefaults();
app.Run();
