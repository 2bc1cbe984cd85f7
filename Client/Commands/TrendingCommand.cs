using System.CommandLine;
using Encore.Trending;
using Spectre.Console;

namespace Encore.Client.Commands;

internal static class TrendingCommand
{
    public static Command Create()
    {
        var genre = new Option<string?>("--genre") { Description = "A catalog genre; all genres when left out" };
        var count = new Option<int>("--count") { Description = "How many tracks (1-100)", DefaultValueFactory = _ => 20 };
        var command = new Command("trending", "Most played tracks of the last 24 hours of event time.") { genre, count };
        command.WithGatewayOptions();
        command.SetAction((ParseResult parse, CancellationToken ct) => GatewayConnection.RunAsync(parse, async (client, _) =>
        {
            var key = string.IsNullOrWhiteSpace(parse.GetValue(genre)) ? TrendingKeys.All : parse.GetValue(genre)!;
            var top = await client.GetGrain<ITrendingGrain>(key).GetTopAsync(Math.Clamp(parse.GetValue(count), 1, 100));
            var table = new Table().Title($"Trending: {Markup.Escape(key)}")
                .AddColumn("#").AddColumn("Track id").AddColumn(new TableColumn("Plays 24 h").RightAligned()).AddColumn("Last play");
            var rank = 1;
            foreach (var item in top)
            {
                table.AddRow((rank++).ToString(), Markup.Escape(item.TrackId), item.Plays.ToString("N0"), item.LastPlayTs.ToString("u"));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }
}
