using System.Text;
using Encore.Events;

namespace Encore.Client.Listening;

/// <summary>
/// JSON lines of the event contract (README, the listening event): each line goes through the event validator; a
/// line it refuses is counted with its reason and line number, and the read goes on.
/// </summary>
internal static class JsonlReader
{
    public static IEnumerable<ListenerHistory> Read(IReadOnlyList<SourceFile> files, ReadContext context)
    {
        var summary = context.Summary;
        var byUser = new Dictionary<string, List<ListeningEvent>>(StringComparer.Ordinal);
        var users = new List<string>();
        foreach (var file in files)
        {
            var line = 0L;
            foreach (var text in File.ReadLines(file.Path))
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                var result = EventValidator.Validate(Encoding.UTF8.GetBytes(text), context.Now, context.Catalog.Contains);
                if (result.Event is not { } play)
                {
                    summary.Reject(file.Name, $"line {line}", result.Reason!.Value.ToString(), result.Detail!);
                    continue;
                }

                if (!byUser.TryGetValue(play.UserId, out var plays))
                {
                    plays = [];
                    byUser.Add(play.UserId, plays);
                    users.Add(play.UserId);
                }

                plays.Add(play);
                summary.Count(TrackMatch.ById);
            }
        }

        // A listener's events may be spread over the files; all are read before the first is handed
        // out, and progress from then on follows the plays handed out.
        var total = Math.Max(1, summary.Events);
        var handedOut = 0L;
        foreach (var user in users)
        {
            var plays = byUser[user];
            handedOut += plays.Count;
            summary.BytesRead = summary.BytesTotal * handedOut / total;
            summary.AddListener();
            yield return new ListenerHistory(user, [.. plays.OrderBy(p => p.Ts)]);
        }
    }
}
