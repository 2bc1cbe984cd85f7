using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary><c>encore train</c>: POST /api/models/train, then (unless --no-wait) the outcome from GET /api/models.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var api = new Option<Uri>("--api")
        {
            Description = "The HTTP API of any silo.",
            DefaultValueFactory = _ => new Uri("http://localhost:8080"),
            CustomParser = EvaluateCommand.ParseApi,
        };
        var apiKey = CommonOptions.ApiKey("ENCORE_ADMIN_KEY", "An admin key (Api:AdminKeys)");
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the training has started." };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long to wait for the outcome: 90s, 10m, 1h.",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(30),
            CustomParser = result =>
            {
                if (GenerateCommand.TryParseDuration(result.Tokens.Count > 0 ? result.Tokens[0].Value : "", out var duration))
                {
                    return duration;
                }

                result.AddError("--timeout is not a positive duration such as 90s or 10m.");
                return default;
            },
        };
        var command = new Command("train", "Train and gate a ranker now; prints the version and, when it ends, its status and metrics.") { api, apiKey, noWait, timeout };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            using var http = new HttpClient { BaseAddress = parse.GetRequiredValue(api) };
            CommonOptions.SendApiKey(http, parse.GetValue(apiKey));
            string version;
            try
            {
                using var started = await http.PostAsync("api/models/train", null, ct);
                started.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await started.Content.ReadAsStringAsync(ct));
                version = body.RootElement.GetProperty("version").GetString()!;
            }
            catch (HttpRequestException e)
            {
                AnsiConsole.MarkupLine($"[red]Cannot start a training at {http.BaseAddress}: {Markup.Escape(e.Message)}[/] Start a silo, or pass --api (and --api-key for a silo with API keys).");
                return ExitCodes.SetupFailed;
            }

            AnsiConsole.MarkupLine($"Training [bold]{version}[/]");
            if (parse.GetValue(noWait))
            {
                return ExitCodes.Success;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(parse.GetValue(timeout));
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
                    using var models = await http.GetFromJsonAsync<JsonDocument>("api/models", deadline.Token);
                    var mine = models!.RootElement.GetProperty("versions").EnumerateArray().FirstOrDefault(v => v.GetProperty("version").GetString() == version);
                    var status = mine.ValueKind == JsonValueKind.Object ? mine.GetProperty("status").GetString() : null;
                    if (status is null or "training")
                    {
                        continue;
                    }

                    var table = new Table().Title($"{version}: {status}").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
                    foreach (var metric in mine.GetProperty("metrics").EnumerateObject())
                    {
                        table.AddRow(metric.Name, metric.Value.GetDouble().ToString("0.######"));
                    }

                    AnsiConsole.Write(table);
                    if (mine.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String)
                    {
                        AnsiConsole.MarkupLine(Markup.Escape(note.GetString()!));
                    }

                    return status == "failed" ? ExitCodes.Failed : ExitCodes.Success;
                }
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine(ct.IsCancellationRequested ? "Cancelled." : $"[red]{version} did not finish within {parse.GetValue(timeout)}.[/]");
                return ct.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Failed;
            }
        });
        return command;
    }
}
