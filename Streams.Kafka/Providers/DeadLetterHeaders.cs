namespace Encore.Streams.Kafka.Providers;

/// <summary>Headers the provider adds to a message it writes to the dead-letter topic.</summary>
public static class DeadLetterHeaders
{
    /// <summary>Why the message was rejected, as the data adapter said it.</summary>
    public const string Reason = "encore-reject-reason";

    /// <summary>The partition and offset the message was read from.</summary>
    public const string SourcePartition = "encore-source-partition";
    public const string SourceOffset = "encore-source-offset";
}
