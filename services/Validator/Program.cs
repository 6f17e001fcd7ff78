using Inference.Hosting;
using Inference.Validator;
using Microsoft.AspNetCore.Builder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("validator");
builder.Services.AddValidatorRules(builder.Configuration);
builder.AddInferenceBus(bus => bus.AddValidator());
var app = builder.Build();
app.MapServiceDefaults();
app.Run();
