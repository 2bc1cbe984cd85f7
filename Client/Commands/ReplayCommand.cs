using System.CommandLine;
using System.Diagnostics;
using Encore.Catalog;
using Encore.Client.Listening;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>
/// <c>replay</c> (README, command-line client): real listening data — JSON lines of the contract, Spotify exports,
/// Million Playlist slices — produced to the listening-event topic keyed by user id, with a progress
/// bar and a closing summary of what matched the catalog. Event ids are deterministic, so a second
/// replay of the same data is a resend the pipeline counts once.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>Rejections printed under the summary; the rest are counted per reason.</summary>
    private const int RejectionsShown = 5;

    public static Command Create(IAnsiConsole? console = null)
    {
        var bootstrap = CommonOptions.Bootstrap();
        var file = FileOption();
        var format = FormatOption();
        var rate = CommonOptions.Rate("Plays");
        var catalog = CommonOptions.Catalog("match the plays to");
        var topic = CommonOptions.Topic();
        var user = UserOption();
        var properties = CommonOptions.KafkaProperties();

        var command = new Command("replay", "Produce real listening data to Kafka: JSON lines of the event contract, Spotify exports or Million Playlist slices.")
        {
            bootstrap, file, format, rate, catalog, topic, user, properties,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new ReplayRequest(
                Kafka: CommonOptions.ReadProducer(parse, bootstrap, topic, properties),
                Path: parse.GetRequiredValue(file),
                Format: parse.GetValue(format),
                Rate: parse.GetValue(rate),
                CatalogPath: parse.GetValue(catalog)?.FullName,
                UserId: parse.GetValue(user));
            return new ReplayRun(request, console ?? AnsiConsole.Console, TimeProvider.System).RunAsync(cancellationToken);
        });
        return command;
    }

    public static Option<string> FileOption() => new("--file", "-f")
    {
        Description = "The listening data: a file, or a directory searched with its subdirectories for files of the format.",
        Required = true,
    };

    public static Option<ListeningFormat> FormatOption() => new("--format")
    {
        Description = "jsonl: events of the contract, one a line (*.jsonl, *.ndjson); spotify: Spotify's 'Download your data' "
            + "(StreamingHistory*.json, Streaming_History_Audio_*.json, endsong*.json), one listener per export folder; "
            + "mpd: Million Playlist Dataset slices (mpd.slice.*.json), each playlist a listener mpd-<pid>. [default: jsonl]",
        HelpName = "jsonl|spotify|mpd",
    };

    public static Option<string?> UserOption() => new("--user")
    {
        Description = "spotify: the listener's userId [default: spotify-<export folder name>].",
    };

    /// <summary>Adds the rows that say what a read found: listeners, how entries matched, rejections.</summary>
    public static void AddReadRows(Table table, ListeningFormat format, ListeningReadSummary summary)
    {
        table.AddRow("listeners", $"{summary.Listeners:N0}");
        table.AddRow("matched", $"{summary.Events:N0}");
        if (format != ListeningFormat.Jsonl)
        {
            table.AddRow("  by track id", $"{summary.MatchedById:N0}");
            table.AddRow("  by artist + name", $"{summary.MatchedByName:N0}");
            if (format == ListeningFormat.Mpd)
            {
                table.AddRow("  by artist only", $"{summary.MatchedByArtist:N0}");
            }

            table.AddRow("unmatched", $"{summary.Unmatched:N0}");
        }

        table.AddRow(summary.Rejected > 0 ? "[yellow]rejected[/]" : "rejected", $"{summary.Rejected:N0}");
        foreach (var (reason, count) in summary.RejectedByReason)
        {
            table.AddRow(Markup.Escape($"  {reason}"), $"{count:N0}");
        }
    }

    /// <summary>The first few rejections and the reader's notes, under the summary table.</summary>
    public static void WriteReadDetails(IAnsiConsole console, ListeningReadSummary summary)
    {
        foreach (var rejection in summary.Rejections.Take(RejectionsShown))
        {
            console.MarkupLineInterpolated($"[yellow]rejected[/] {rejection}");
        }

        if (summary.Rejected > RejectionsShown)
        {
            console.MarkupLineInterpolated($"[yellow]… and {summary.Rejected - RejectionsShown:N0} more rejected.[/]");
        }

        foreach (var note in summary.Notes)
        {
            console.MarkupLineInterpolated($"[grey]note:[/] {note}");
        }
    }

    internal sealed record ReplayRequest(
        ProducerSettings Kafka,
        string Path,
        ListeningFormat Format,
        double Rate,
        string? CatalogPath,
        string? UserId);

    /// <summary>One invocation: loads the catalog, reads and produces listener by listener, flushes and reports.</summary>
    private sealed class ReplayRun(ReplayRequest request, IAnsiConsole console, TimeProvider time)
    {
        private readonly ListeningReadSummary _summary = new();

        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            if (CommonOptions.LoadCatalog(request.CatalogPath, console) is not { } catalog)
            {
                return ExitCodes.SetupFailed;
            }

            IEnumerable<ListenerHistory> listeners;
            try
            {
                listeners = ListeningSources.Read(request.Format, request.Path, catalog, _summary, new ListeningReadOptions { UserId = request.UserId, Clock = time });
            }
            catch (Exception e) when (e is FileNotFoundException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]{e.Message}[/]");
                return ExitCodes.SetupFailed;
            }

            using var producer = request.Kafka.CreateProducer("encore-replay", time);
            var partitions = producer.PartitionCount(console);
            if (partitions is null)
            {
                return ExitCodes.SetupFailed;
            }

            var pace = request.Rate > 0 ? $"{request.Rate:N0}/s" : "as fast as possible";
            console.MarkupLineInterpolated(
                $"Replaying {_summary.Files:N0} {request.Format.ToString().ToLowerInvariant()} file(s) ({_summary.BytesTotal / 1e6:N1} MB) from {request.Path} to [bold]{producer.Topic}[/] ({partitions} partitions) at {producer.Bootstrap}, {pace}.");

            var elapsed = Stopwatch.StartNew();
            bool completed;
            try
            {
                completed = await ProduceProgress.RunAsync(console, producer, elapsed, _summary.BytesTotal, async progress =>
                {
                    var done = await producer.ProduceAllAsync(
                        listeners.SelectMany(l => l.Plays), request.Rate, () => progress.Report(_summary.BytesRead), cancellationToken);
                    progress.Report(_summary.BytesRead, force: true);
                    return done;
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.MarkupLineInterpolated($"[red]Reading {request.Path} failed: {e.Message}[/]");
                return ExitCodes.SetupFailed;
            }

            elapsed.Stop();
            WriteSummary(producer, elapsed.Elapsed, catalog);
            return producer.Failed > 0 || producer.Fatal ? ExitCodes.Failed
                : completed ? ExitCodes.Success
                : ExitCodes.Cancelled;
        }

        private void WriteSummary(EventProducer producer, TimeSpan elapsed, TrackCatalog catalog)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("replay").AddColumn("").AddColumn(new TableColumn("").RightAligned());
            table.ShowHeaders = false;
            producer.AddSummaryRows(table, elapsed);
            AddReadRows(table, request.Format, _summary);
            table.AddRow("catalog", Markup.Escape(catalog.Source));
            producer.AddLastErrorRow(table);
            console.Write(table);
            WriteReadDetails(console, _summary);
        }
    }
}
