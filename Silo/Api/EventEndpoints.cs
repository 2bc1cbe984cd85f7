using System.Text;
using System.Text.Json;
using Encore.Catalog;
using Encore.Events;
using Encore.Silo.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api) =>
        api.MapPost("/events", PostEventsAsync)
            .WithTags("Events")
            .WithName("PostEvents")
            .WithSummary("Validates a JSON array of listening events and produces them to Kafka; all or nothing.")
            .Accepts<ListeningEvent[]>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest);

    /// <summary>
    /// All or nothing: when any item is invalid the answer is a 400 naming each bad item and its
    /// reason, and nothing is published, so a client can fix and resend the whole array.
    /// </summary>
    private static async Task<Results<Accepted<EventsAccepted>, ProblemHttpResult>> PostEventsAsync(
        HttpRequest request, CatalogHolder catalogHolder, IEventPublisher publisher, TimeProvider time, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.BadRequest("Malformed body", $"The body is not valid JSON: {exception.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return ApiProblems.BadRequest("Malformed body", $"The body must be a JSON array of listening events; got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }

            var catalog = await catalogHolder.Loaded;
            var now = time.GetUtcNow();
            var events = new List<ListeningEvent>(document.RootElement.GetArrayLength());
            var errors = new List<EventError>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var (e, reason) = Parse(element, catalog, now);
                if (reason is null)
                {
                    events.Add(e!);
                }
                else
                {
                    errors.Add(new EventError(index, e?.EventId ?? TryEventId(element), reason));
                }

                index++;
            }

            if (errors.Count > 0)
            {
                var problem = ApiProblems.BadRequest(
                    "Invalid events",
                    $"{errors.Count} of {index} events are invalid; nothing was published. See 'errors' for each one's reason.");
                problem.ProblemDetails.Extensions["errors"] = errors;
                return problem;
            }

            await publisher.PublishAsync(events, cancellationToken);
            return TypedResults.Accepted((string?)null, new EventsAccepted(events.Count));
        }
    }

    private static (ListeningEvent? Event, string? Reason) Parse(JsonElement element, TrackCatalog catalog, DateTimeOffset now)
    {
        // The same validation as events read from Kafka, so the API accepts exactly what the pipeline would.
        var result = EventValidator.Validate(Encoding.UTF8.GetBytes(element.GetRawText()), now, catalog.Contains);
        return result.IsValid ? (result.Event, null) : (null, result.Describe());
    }

    private static string? TryEventId(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("eventId", out var id)
        && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
}

internal sealed record EventsAccepted(int Accepted);

internal sealed record EventError(int Index, string? EventId, string Reason);
