using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Encore.Stats;

namespace Encore.Client.Evaluation;

/// <summary>The two routes of the live HTTP API that <c>evaluate</c> reads (README, HTTP API).</summary>
internal sealed class EncoreApiClient(HttpClient http)
{
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary><c>GET /api/stats</c>: the pipeline's counters summed over the cluster.</summary>
    /// <exception cref="HttpRequestException">The API cannot be reached or answered with an error.</exception>
    public async Task<PipelineStatsSnapshot> GetStatsAsync(CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync("api/stats", ApiJson.Default.PipelineStatsSnapshot, cancellationToken)
            ?? throw new HttpRequestException("GET /api/stats answered null.");

    /// <summary>
    /// <c>GET /api/users/{userId}/recommendations?count=N</c>; null when the API does not know the listener
    /// (404: none of their events was processed).
    /// </summary>
    /// <exception cref="HttpRequestException">The API cannot be reached or answered with another error.</exception>
    public async Task<Recommendations.Recommendations?> GetRecommendationsAsync(string userId, int count, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/users/{Uri.EscapeDataString(userId)}/recommendations?count={count}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(ApiJson.Default.Recommendations, cancellationToken)
            ?? throw new HttpRequestException($"GET recommendations of {userId} answered null.");
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PipelineStatsSnapshot))]
[JsonSerializable(typeof(Recommendations.Recommendations))]
internal sealed partial class ApiJson : JsonSerializerContext;
