using System.Net;
using System.Net.Http.Json;

namespace Encore.Silo.Tests;

/// <summary><c>GET /api/models</c> and <c>POST /api/models/train</c> on the real silo (memory registry).</summary>
[Collection(SiloCollection.Name)]
public sealed class ModelApiTests(SiloFixture silo)
{
    private readonly HttpClient _http = silo.Http;

    [Fact]
    public async Task TrainingStartsWith202AndItsOutcomeIsListedWithItsMetrics()
    {
        var response = await _http.PostAsync("/api/models/train", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("/api/models", response.Headers.Location?.OriginalString);
        var version = (await response.Content.ReadFromJsonAsync<TrainDto>())!.Version;
        Assert.Matches("^ranker-[0-9]+$", version);

        // No listener of this silo has the ten plays a training group needs: the version is rejected,
        // nothing is published, and the heuristic keeps scoring.
        ModelDto? outcome = null;
        await Eventually.TrueAsync(async () =>
        {
            var models = await _http.GetFromJsonAsync<ModelsDto>("/api/models");
            outcome = models!.Versions.Single(v => v.Version == version);
            return outcome.Status != "training";
        }, $"{version} has an outcome", TimeSpan.FromSeconds(30));

        Assert.Equal(("rejected", "not enough listeners with a history to train and hold out"), (outcome!.Status, outcome.Note));
        Assert.Equal(0, outcome.Metrics["trainGroups"]);
        var list = await _http.GetFromJsonAsync<ModelsDto>("/api/models");
        Assert.Null(list!.Active);
        Assert.Equal("heuristic-v4", (await _http.GetFromJsonAsync<RecommendationsDto>("/api/users/after-training/recommendations"))!.ModelVersion);
    }
}
