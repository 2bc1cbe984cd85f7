using Encore.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.PreferUrlsFromEnvironmentAndCommandLine(args);
builder.AddEncoreSilo().AddEncoreWeb();

var app = builder.Build();
app.MapEncoreWeb();
app.Run();

/// <summary>The silo's entry point; public so API tests can host it with WebApplicationFactory.</summary>
public partial class Program;
