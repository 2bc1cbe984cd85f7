var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering());

var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok("live"));
app.Run();
