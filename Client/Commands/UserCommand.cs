using System.CommandLine;
using Encore.Users;
using Spectre.Console;

namespace Encore.Client.Commands;

internal static class UserCommand
{
    public static Command Create()
    {
        var user = new Option<string>("--user") { Description = "The listener's userId", Required = true };
        var command = new Command("user", "A listener's profile: counts, rates, top genres and artists, recent plays.") { user };
        command.WithGatewayOptions();
        command.SetAction((ParseResult parse, CancellationToken ct) => GatewayConnection.RunAsync(parse, async (client, _) =>
        {
            var userId = parse.GetValue(user)!;
            if (await client.GetGrain<IUserGrain>(userId).GetProfileAsync() is not { } profile)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]User '{userId}' has never been seen.[/]");
                return 1;
            }

            var summary = new Table().Title($"User {Markup.Escape(profile.UserId)}").AddColumn("Feature").AddColumn("Value");
            summary.AddRow("plays", profile.Plays.ToString("N0"));
            summary.AddRow("skips", $"{profile.Skips:N0} ({profile.SkipRate:P0})");
            summary.AddRow("completion rate", profile.CompletionRate.ToString("P0"));
            summary.AddRow("duplicates dropped", profile.DuplicatesDropped.ToString("N0"));
            summary.AddRow("top genres", Markup.Escape(string.Join(", ", profile.TopGenres.Select(g => $"{g.Name} ({g.Score:0.00})"))));
            summary.AddRow("top artists", Markup.Escape(string.Join(", ", profile.TopArtists.Take(5).Select(a => a.Name))));
            summary.AddRow("last event", profile.LastEventTs?.ToString("u") ?? "-");
            summary.AddRow("session", $"{profile.Session.Plays} plays since {profile.Session.Start:u}");
            AnsiConsole.Write(summary);

            var recent = new Table().Title("Recent plays").AddColumn("When").AddColumn("Track").AddColumn("Artists").AddColumn(new TableColumn("Played").RightAligned()).AddColumn("Skipped");
            foreach (var play in profile.RecentTracks.Take(15))
            {
                recent.AddRow(
                    play.Ts.ToString("u"),
                    Markup.Escape(play.TrackName.Length > 0 ? play.TrackName : play.TrackId),
                    Markup.Escape(string.Join(", ", play.Artists)),
                    TimeSpan.FromMilliseconds(play.MsPlayed).ToString(@"m\:ss"),
                    play.Skipped ? "yes" : "");
            }

            AnsiConsole.Write(recent);
            return 0;
        }, ct));
        return command;
    }
}
