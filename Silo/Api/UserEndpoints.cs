using System.ComponentModel;
using Encore.Recommendations;
using Encore.Stats;
using Encore.Users;
using Encore.Warehouse;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Encore.Silo.Api;

internal static class UserEndpoints
{
    public static void MapUserEndpoints(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users/{userId}").WithTags("Users");
        users.MapGet("/", GetUserAsync)
            .WithName("GetUser")
            .WithSummary("A listener's profile: plays, skips, top genres and artists, recent tracks, session.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/recommendations", GetRecommendationsAsync)
            .WithName("GetRecommendations")
            .WithSummary("Recommended tracks for a listener, scored by the silo's active model, with reasons.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetUserAsync(
        [Description("The listener, as events name them.")] string userId, IGrainFactory grains)
    {
        if (!ApiProblems.TryCheckValue("userId", userId, out var invalid))
        {
            return invalid!;
        }

        var profile = await grains.UserBucketOf(userId).GetProfileAsync(userId);
        return profile is null
            ? ApiProblems.NotFound("Unknown user", $"User '{userId}' has never been seen: no listening event of theirs was processed.")
            : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<Recommendations.Recommendations>, ProblemHttpResult>> GetRecommendationsAsync(
        [Description("The listener, as events name them; one never seen gets popular picks.")] string userId,
        [FromQuery, Description("How many tracks, an integer from 1 to 100; 20 when left out.")] string? count,
        IGrainFactory grains, IWarehouseSink warehouse, EncoreTelemetry telemetry)
    {
        if (!ApiProblems.TryCheckValue("userId", userId, out var invalid))
        {
            return invalid!;
        }

        if (!ApiProblems.TryParseCount(count, 20, out var n, out var problem))
        {
            return problem!;
        }

        using var timed = telemetry.StartRecommendation(n);
        var recommendations = await grains.GetGrain<IRecommendationGrain>(0).RecommendAsync(userId, n);

        // What was served goes to the warehouse without waiting (dropped if its buffer is full).
        warehouse.RecordServed(new ServedRecommendation(
            recommendations.UserId,
            recommendations.ModelVersion,
            [.. recommendations.Items.Select(i => i.TrackId)],
            [.. recommendations.Items.Select(i => i.Score)],
            DateTimeOffset.UtcNow));
        return TypedResults.Ok(recommendations);
    }
}
