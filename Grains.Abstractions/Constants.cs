namespace Encore;

/// <summary>Names shared by the silo, the client and the grains: one place for each.</summary>
public static class Constants
{
    /// <summary>The Orleans stream provider that reads the listening-event topic.</summary>
    public const string StreamProvider = "kafka";

    /// <summary>Stream namespace carrying every event of one Kafka partition (stream key = partition).</summary>
    public const string PartitionStreamNamespace = "music.plays";

    /// <summary>Grain storage used by the feature grains.</summary>
    public const string GrainStorage = "encore";

    /// <summary>Storage of pub/sub state for stream providers that need one.</summary>
    public const string PubSubStorage = "PubSubStore";

    public const string DefaultTopic = "music.plays";
    public const string DefaultDeadLetterTopic = "music.plays.dlq";
    public const int DefaultPartitions = 8;
}
