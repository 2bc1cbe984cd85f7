using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Encore.Storage.Tests.Infrastructure;

namespace Encore.Storage.Tests;

/// <summary>Separate silo processes on one machine, clustered through PostgreSQL.</summary>
public sealed class SiloProcessTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(120);

    [PostgresFact]
    public async Task ThreeSiloProcessesFormOneClusterAndAnswerWithClusterWideTotals()
    {
        var clusterId = $"processes-{Guid.NewGuid():N}"[..22];
        var silos = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(SiloProcess.Start(database.ConnectionString, clusterId, partitions: 4));
            }

            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync(StartDeadline)));
            foreach (var silo in silos)
            {
                await Eventually.TrueAsync(async () => (await silo.StatsAsync()).GetProperty("silos").GetInt32() == 3,
                    $"silo {silo.SiloPort} sees three silos", StartDeadline);
            }

            var members = await TestPostgres.RowsAsync(database.ConnectionString,
                $"SELECT address, port FROM orleans.membership WHERE cluster_id = '{clusterId}' AND status = 3 ORDER BY port");
            Assert.Equal(silos.Select(s => ("127.0.0.1", s.SiloPort)).OrderBy(m => m.SiloPort), members.Select(m => ((string)m[0]!, (int)m[1]!)));

            // On PostgreSQL, readiness asks the database too.
            var ready = await silos[0].Http.GetFromJsonAsync<JsonElement>("/health/ready");
            var checks = ready.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
            Assert.Equal(["catalog", "kafka", "membership", "postgres"], checks.Keys.Order());
            Assert.All(checks.Values, status => Assert.Equal("Healthy", status));

            // 300 plays of 30 listeners, posted to the first silo, processed wherever their partitions live.
            var tracks = Plays.Tracks(20, skip: 2000);
            var now = DateTimeOffset.UtcNow;
            var events = Enumerable.Range(0, 300).Select(i => Plays.Event($"process-listener-{i % 30}", tracks[i % 20], now.AddMinutes(-300 + i))).ToArray();
            var posted = await silos[0].Http.PostAsJsonAsync("/api/events", events, JsonSerializerOptions.Web);
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

            foreach (var silo in silos)
            {
                await Eventually.TrueAsync(async () => (await silo.StatsAsync()).GetProperty("eventsProcessed").GetInt64() == 300,
                    $"silo {silo.SiloPort} reports 300 events processed cluster-wide");
            }

            var profile = await silos[2].Http.GetFromJsonAsync<JsonElement>("/api/users/process-listener-7");
            Assert.Equal(10, profile.GetProperty("plays").GetInt64());
            await Eventually.TrueAsync(
                async () => await TestPostgres.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM warehouse.play_events WHERE user_id LIKE 'process-listener-%'") == 300,
                "300 warehouse rows");

            // What the API serves is recorded in the warehouse.
            var served = await silos[1].Http.GetFromJsonAsync<JsonElement>("/api/users/process-listener-7/recommendations?count=5");
            var servedTracks = served.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("trackId").GetString()!).ToArray();
            await Eventually.TrueAsync(
                async () => (await TestPostgres.RowsAsync(database.ConnectionString,
                        "SELECT track_ids FROM warehouse.served_recommendations WHERE user_id = 'process-listener-7'"))
                    .Any(r => ((string[])r[0]!).SequenceEqual(servedTracks)),
                "the served recommendation recorded");

            // The connection budget: each silo's pools are capped per purpose (docs/postgres.md), so three
            // busy silos stay well inside a stock server's 100 connections.
            var perSilo = new Encore.Storage.PostgresPools().Total;
            var encore = await TestPostgres.ScalarAsync<long>(database.ConnectionString,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'encore-%'");
            var all = await TestPostgres.ScalarAsync<long>(database.ConnectionString, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");
            Console.WriteLine($"PostgreSQL connections with three silos running: {encore} of the silos' pools (cap {3 * perSilo}), {all} client backends in all");
            Assert.InRange(encore, 3, 3 * perSilo);
            Assert.True(3 * perSilo + 1 <= 80, $"three silos ({3 * perSilo}) and db init fit in 100 with headroom");
        }
        catch (Exception exception) when (silos.Count > 0 && exception is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{exception.Message}\n--- first silo's output ---\n{silos[0].Output}", exception);
        }
        finally
        {
            await Task.WhenAll(silos.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
