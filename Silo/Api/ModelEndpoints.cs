using Encore.Ranking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Encore.Silo.Api;

internal static class ModelEndpoints
{
    public static void MapModelEndpoints(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").WithTags("Models");
        models.MapGet("/", ListAsync)
            .WithName("GetModels")
            .WithSummary("The ranker's model versions, newest first, with their metrics and status, and the active one.");
        models.MapPost("/train", TrainAsync)
            .RequireAuthorization(ApiKeyAuthentication.AdminPolicy)
            .WithName("TrainModel")
            .WithSummary("Starts training and gating a ranker now (or names the training under way).");
    }

    private static async Task<Ok<ModelsAnswer>> ListAsync(IModelRegistry registry)
    {
        var list = await registry.ListAsync();
        return TypedResults.Ok(new ModelsAnswer(list.Active, [.. list.Versions.Select(v => new ModelAnswer(
            v.Version, v.TrainedAt, v.Metrics, v.Status, v.Trainer, v.SchemaHash, v.WindowStart, v.WindowEnd, v.Note))]));
    }

    /// <summary>Starts a training (or names the one running): 202, and <c>GET /api/models</c> shows its outcome.</summary>
    private static async Task<Accepted<TrainAnswer>> TrainAsync(IGrainFactory grains)
    {
        var version = await grains.GetGrain<IRankerTrainerGrain>(0).TrainAsync();
        return TypedResults.Accepted("/api/models", new TrainAnswer(version));
    }

    internal sealed record ModelsAnswer(string? Active, ModelAnswer[] Versions);

    internal sealed record ModelAnswer(
        string Version, DateTimeOffset TrainedAt, Dictionary<string, double> Metrics, string Status,
        string Trainer, string SchemaHash, DateTimeOffset? WindowStart, DateTimeOffset? WindowEnd, string? Note);

    internal sealed record TrainAnswer(string Version);
}
