using System.CommandLine;
using System.Diagnostics;
using Encore.Catalog;
using Spectre.Console;

namespace Encore.Client.Commands;

/// <summary>Where and how a producing verb writes: the options <c>--bootstrap</c>, <c>--topic</c> and <c>-X</c>.</summary>
internal sealed record ProducerSettings(string Bootstrap, string Topic, IReadOnlyList<KeyValuePair<string, string>> Properties)
{
    public EventProducer CreateProducer(string clientId, TimeProvider time) =>
        new(Bootstrap, Topic, clientId, Properties, time);
}

/// <summary>Options several verbs share, declared once so that they read and validate alike.</summary>
internal static class CommonOptions
{
    public static Option<string> Bootstrap() => new("--bootstrap", "-b")
    {
        Description = "Kafka bootstrap servers, host:port[,host:port...] (kafka-dev prints them).",
        Required = true,
    };

    public static Option<string> Topic() => new("--topic")
    {
        Description = "Topic to produce to.",
        DefaultValueFactory = _ => Constants.DefaultTopic,
    };

    public static Option<string[]> KafkaProperties()
    {
        var properties = new Option<string[]>("--kafka-property", "-X")
        {
            Description = "Extra librdkafka producer property, name=value (repeatable), e.g. -X security.protocol=SASL_SSL.",
            DefaultValueFactory = _ => [],
        };
        properties.Validators.Add(result =>
        {
            foreach (var property in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!property.Contains('=', StringComparison.Ordinal))
                {
                    result.AddError($"--kafka-property '{property}' is not name=value.");
                }
            }
        });
        return properties;
    }

    public static Option<double> Rate(string unit)
    {
        var rate = new Option<double>("--rate", "-r")
        {
            Description = $"{unit} per second; 0 produces as fast as Kafka takes them.",
            DefaultValueFactory = _ => 0,
        };
        rate.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or double.NaN)
            {
                result.AddError("--rate must be 0 (no limit) or a positive number of events per second.");
            }
        });
        return rate;
    }

    /// <summary>
    /// <c>--api-key</c>: what a silo with API keys wants in the X-API-Key header, read by default from
    /// <paramref name="environmentVariable"/> so that it stays out of the shell's history.
    /// </summary>
    public static Option<string?> ApiKey(string environmentVariable, string which) => new("--api-key")
    {
        Description = $"{which} of a silo that has API keys (sent as X-API-Key) [default: ${environmentVariable}].",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(environmentVariable),
    };

    /// <summary>Sends <paramref name="key"/> in X-API-Key on every request of <paramref name="http"/>; nothing when it is empty.</summary>
    public static void SendApiKey(HttpClient http, string? key)
    {
        if (!string.IsNullOrEmpty(key))
        {
            http.DefaultRequestHeaders.Add("X-API-Key", key);
        }
    }

    public static Option<FileInfo?> Catalog(string use) => new("--catalog")
    {
        Description = $"Kaggle Spotify tracks CSV to {use}; without it, the synthetic catalog the silo uses by default.",
    };

    public static ProducerSettings ReadProducer(ParseResult parse, Option<string> bootstrap, Option<string> topic, Option<string[]> properties) =>
        new(parse.GetRequiredValue(bootstrap), parse.GetRequiredValue(topic), [.. (parse.GetValue(properties) ?? []).Select(SplitProperty)]);

    /// <summary>
    /// Loads the Kaggle CSV at <paramref name="path"/>, or the synthetic catalog without one, and says
    /// which; null (after saying why) when the file is missing or not a Kaggle CSV.
    /// </summary>
    public static TrackCatalog? LoadCatalog(string? path, IAnsiConsole console)
    {
        if (path is not null && !File.Exists(path))
        {
            console.MarkupLineInterpolated($"[red]Catalog file {path} does not exist.[/] Pass the Kaggle CSV, or leave --catalog out for the synthetic catalog.");
            return null;
        }

        var loading = Stopwatch.StartNew();
        TrackCatalog catalog;
        try
        {
            catalog = path is not null ? TrackCatalog.Load(path) : TrackCatalog.Synthetic();
        }
        catch (FormatException e)
        {
            console.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return null;
        }

        console.MarkupLineInterpolated(
            $"Catalog [bold]{catalog.Source}[/]: {catalog.Count:N0} tracks, {catalog.Genres.Count} genres ({loading.ElapsedMilliseconds:N0} ms).");
        return catalog;
    }

    private static KeyValuePair<string, string> SplitProperty(string property)
    {
        var equals = property.IndexOf('=', StringComparison.Ordinal);
        return new(property[..equals].Trim(), property[(equals + 1)..].Trim());
    }
}
