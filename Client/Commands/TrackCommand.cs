using System.CommandLine;
using Encore.Tracks;
using Spectre.Console;

namespace Encore.Client.Commands;

internal static class TrackCommand
{
    public static Command Create()
    {
        var id = new Option<string>("--id") { Description = "The trackId", Required = true };
        var command = new Command("track", "A track's catalog fields and live statistics.") { id };
        command.WithGatewayOptions();
        command.SetAction((ParseResult parse, CancellationToken ct) => GatewayConnection.RunAsync(parse, async (client, _) =>
        {
            var trackId = parse.GetValue(id)!;
            if (await client.GetGrain<ITrackGrain>(trackId).GetAsync() is not { } track)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]Track '{trackId}' is not in the catalog.[/]");
                return 1;
            }

            var table = new Table().Title($"{Markup.Escape(track.TrackName)} — {Markup.Escape(string.Join(", ", track.Artists))}")
                .AddColumn("Field").AddColumn(new TableColumn("Value"));
            table.AddRow("track id", Markup.Escape(track.TrackId));
            table.AddRow("album", Markup.Escape(track.AlbumName));
            table.AddRow("genres", Markup.Escape(string.Join(", ", track.Genres)));
            table.AddRow("popularity", track.Popularity.ToString());
            table.AddRow("plays (all time)", track.Plays.ToString("N0"));
            table.AddRow("skips (all time)", track.Skips.ToString("N0"));
            table.AddRow("plays 1 h / 24 h / 7 d", $"{track.Plays1h:N0} / {track.Plays24h:N0} / {track.Plays7d:N0}");
            table.AddRow("completion rate", track.CompletionRate.ToString("P0"));
            table.AddRow("unique listeners (approx.)", track.UniqueListeners.ToString("N0"));
            table.AddRow("co-listened", Markup.Escape(string.Join(", ", track.CoListened.Take(5).Select(c => c.TrackId))));
            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }
}
