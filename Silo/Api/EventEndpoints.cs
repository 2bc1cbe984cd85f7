using System.Globalization;
using System.Text;
using System.Text.Json;
using Encore.Catalog;
using Encore.Events;
using Encore.Silo.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Api;

internal static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api) =>
        api.MapPost("/events", PostEventsAsync)
            .WithTags("Events")
            .WithName("PostEvents")
            .WithSummary("Validates a JSON array of listening events and produces them to Kafka; says exactly which were produced.")
            .Accepts<ListeningEvent[]>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(ApiLimits.EventPostsPolicy);

    /// <summary>
    /// All or nothing when anything is wrong with the request: an invalid item, too many items or too
    /// large a body is a 4xx and nothing is published, so a client can fix and resend the whole array.
    /// Once producing has started, the answer says exactly which items Kafka acknowledged: 202 when all
    /// of them, else 503 with each other item's index and reason.
    /// </summary>
    private static async Task<Results<Accepted<EventsAccepted>, ProblemHttpResult>> PostEventsAsync(
        HttpContext context, CatalogHolder catalogHolder, IEventPublisher publisher, TimeProvider time, IOptions<ApiSettings> settings)
    {
        var limits = settings.Value;
        var cancellationToken = context.RequestAborted;
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.BadRequest("Malformed body", $"The body is not valid JSON: {exception.Message}");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem(
                $"The body is larger than {limits.MaxRequestBodyBytes} bytes (Api:MaxRequestBodyBytes); nothing was published. Send the events in smaller arrays.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return ApiProblems.BadRequest("Malformed body", $"The body must be a JSON array of listening events; got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.");
            }

            var count = document.RootElement.GetArrayLength();
            if (count > limits.MaxEventsPerPost)
            {
                return ApiProblems.BadRequest(
                    "Too many events",
                    $"{count} events in one request; the limit is {limits.MaxEventsPerPost} (Api:MaxEventsPerPost). Nothing was published; send them in smaller arrays.");
            }

            var catalog = await catalogHolder.Loaded;
            var now = time.GetUtcNow();
            var events = new List<ListeningEvent>(count);
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

            // A produced event cannot be taken back. From here on the request's timeout is off, so that the
            // answer always says exactly what was produced; Api:PublishTimeout bounds the wait instead. A
            // timeout that already fired still stops the request here, before anything is produced.
            context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = await publisher.PublishAsync(events);
            if (outcome.AllProduced)
            {
                return TypedResults.Accepted((string?)null, new EventsAccepted(events.Count));
            }

            return NotAllProduced(context, outcome, events.Count, limits.PublishTimeout);
        }
    }

    /// <summary>503 with Retry-After: Kafka refused (back-pressure) or did not acknowledge some events in time.</summary>
    private static ProblemHttpResult NotAllProduced(HttpContext context, PublishOutcome outcome, int count, TimeSpan publishTimeout)
    {
        var retryAfter = Math.Max(1, (int)Math.Ceiling(publishTimeout.TotalSeconds));
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var problem = TypedResults.Problem(
            $"Kafka acknowledged {outcome.Produced.Count} of {count} events (listed in 'produced'); the others were not produced or not acknowledged " +
            $"within {publishTimeout.TotalSeconds:0.###} s (Api:PublishTimeout), each with its reason in 'failed'. " +
            "Resending the whole array is safe: a listener's events are counted once by eventId.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Kafka unavailable");
        problem.ProblemDetails.Extensions["produced"] = outcome.Produced;
        problem.ProblemDetails.Extensions["failed"] = outcome.Failed;
        return problem;
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
