using System.CommandLine;
using Encore.Tracks;
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
            // The client keeps no catalog: the track grains name their tracks.
            var views = await Task.WhenAll(top.Select(t => client.GetGrain<ITrackGrain>(t.TrackId).GetAsync()));
            var table = new Table().Title($"Trending: {Markup.Escape(key)}")
                .AddColumn("#").AddColumn("Track").AddColumn("Artists").AddColumn(new TableColumn("Plays 24 h").RightAligned()).AddColumn("Last play");
            for (var i = 0; i < top.Length; i++)
            {
                table.AddRow(
                    (i + 1).ToString(),
                    Markup.Escape(views[i]?.TrackName ?? top[i].TrackId),
                    Markup.Escape(string.Join(", ", views[i]?.Artists ?? [])),
                    top[i].Plays.ToString("N0"),
                    top[i].LastPlayTs.ToString("u"));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }
}
