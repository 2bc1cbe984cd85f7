using Encore.Recommendations;
using Encore.Users;
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
        var profile = await grains.GetGrain<IUserGrain>(userId).GetProfileAsync();
        return profile is null
            ? ApiProblems.NotFound("Unknown user", $"User '{userId}' has never been seen: no listening event of theirs was processed.")
            : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<Recommendations.Recommendations>, ProblemHttpResult>> GetRecommendationsAsync(
        string userId, [FromQuery] string? count, IGrainFactory grains)
    {
        if (!ApiProblems.TryParseCount(count, 20, out var n, out var problem))
        {
            return problem!;
        }

        return TypedResults.Ok(await grains.GetGrain<IRecommendationGrain>(0).RecommendAsync(userId, n));
    }
}
