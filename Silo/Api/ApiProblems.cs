using Encore.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Encore.Silo.Api;

/// <summary>ProblemDetails answers with a reason a client can act on.</summary>
internal static class ApiProblems
{
    public const int MaxCount = 100;

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    /// <summary>
    /// Parses the <c>count</c> query parameter: absent means <paramref name="fallback"/>, anything but
    /// an integer from 1 to <see cref="MaxCount"/> is a 400. Taken as a string so that "abc" gets a
    /// reason instead of the framework's bare 400.
    /// </summary>
    public static bool TryParseCount(string? raw, int fallback, out int count, out ProblemHttpResult? problem)
    {
        problem = null;
        count = fallback;
        if (raw is null)
        {
            return true;
        }

        if (int.TryParse(raw, out count) && count is >= 1 and <= MaxCount)
        {
            return true;
        }

        problem = BadRequest("Invalid count", $"count must be an integer from 1 to {MaxCount}; got '{raw}'.");
        return false;
    }

    /// <summary>
    /// A route or query value naming a user, track or genre obeys the bounds of an event's strings
    /// (<see cref="EventValidator.CheckString"/>): a 400 with the reason otherwise, before any grain is asked.
    /// </summary>
    public static bool TryCheckValue(string field, string? value, out ProblemHttpResult? problem)
    {
        problem = value is not null && EventValidator.CheckString(field, value) is { } rejected
            ? BadRequest($"Invalid {field}", rejected.Describe())
            : null;
        return problem is null;
    }

    /// <summary>
    /// Writes a ProblemDetails answer from middleware (keys, rate limits, timeouts), where no endpoint
    /// result is at hand.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var written = await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
        if (!written)
        {
            // A client that accepts no JSON still gets the reason.
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"{title}: {detail}");
        }
    }
}
