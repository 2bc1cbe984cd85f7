using System.CommandLine;
using Encore.Recommendations;
using Spectre.Console;

namespace Encore.Client.Commands;

internal static class RecommendCommand
{
    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "The listener's userId", Required = true };
        var count = new Option<int>("--count") { Description = "How many tracks (1-100)", DefaultValueFactory = _ => 20 };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100)
            {
                result.AddError("--count must be from 1 to 100.");
            }
        });

        var command = new Command("recommend", "Recommendations for a listener, with the reason for each track.") { user, count };
        command.WithGatewayOptions();
        command.SetAction((ParseResult parse, CancellationToken ct) => GatewayConnection.RunAsync(parse, async (client, _) =>
        {
            var recs = await client.GetGrain<IRecommendationGrain>(0).RecommendAsync(parse.GetValue(user)!, parse.GetValue(count));
            var table = new Table().Title($"Recommendations for {Markup.Escape(recs.UserId)} ({Markup.Escape(recs.ModelVersion)})")
                .AddColumn("#").AddColumn("Track").AddColumn("Artists").AddColumn("Genres").AddColumn(new TableColumn("Score").RightAligned()).AddColumn("Why");
            var rank = 1;
            foreach (var item in recs.Items)
            {
                table.AddRow(
                    (rank++).ToString(),
                    Markup.Escape(item.TrackName),
                    Markup.Escape(string.Join(", ", item.Artists)),
                    Markup.Escape(string.Join(", ", item.Genres)),
                    item.Score.ToString("0.000"),
                    Markup.Escape(string.Join("; ", item.Reasons)));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }
}
