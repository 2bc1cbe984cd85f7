using Encore.Recommendations;
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
        users.MapGet("/", GetUserAsync);
        users.MapGet("/recommendations", GetRecommendationsAsync);
    }

    private static async Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetUserAsync(string userId, IGrainFactory grains)
    {
        if (!ApiProblems.TryCheckValue("userId", userId, out var invalid))
        {
            return invalid!;
        }

        var profile = await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
        return profile is null
            ? ApiProblems.NotFound("Unknown user", $"User '{userId}' has never been seen: no listening event of theirs was processed.")
            : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<Recommendations.Recommendations>, ProblemHttpResult>> GetRecommendationsAsync(
        string userId, [FromQuery] string? count, IGrainFactory grains, IWarehouseSink warehouse)
    {
        if (!ApiProblems.TryCheckValue("userId", userId, out var invalid))
        {
            return invalid!;
        }

        if (!ApiProblems.TryParseCount(count, 20, out var n, out var problem))
        {
            return problem!;
        }

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
