using Microsoft.Extensions.Logging;

namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The log messages of a partition's receiver and its poll thread. Both write under the receiver's
/// category, so their event ids are allocated here, in one list.
/// </summary>
internal static partial class ReceiverLog
{
    [LoggerMessage(1, LogLevel.Information, "Reading {Topic}[{Partition}] from offset {Offset}")]
    public static partial void Assigned(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(2, LogLevel.Warning, "Rejected {Topic}[{Partition}]@{Offset}: {Reason}")]
    public static partial void Rejected(ILogger logger, string topic, int partition, long offset, string? reason);

    // Pausing and resuming is the read-ahead's ordinary flow control: a silo that falls behind does it
    // dozens of times a second (1 644 pauses in a 40-s benchmark, 4 % of the silo's CPU in console
    // logging). Whether a partition is paused is in the stream statistics.
    [LoggerMessage(3, LogLevel.Debug, "Paused {Topic}[{Partition}]: {Buffered} messages read ahead")]
    public static partial void Paused(ILogger logger, string topic, int partition, int buffered);

    [LoggerMessage(4, LogLevel.Debug, "Resumed {Topic}[{Partition}]")]
    public static partial void Resumed(ILogger logger, string topic, int partition);

    [LoggerMessage(5, LogLevel.Warning, "Consuming {Topic}[{Partition}] failed: {Reason}")]
    public static partial void ConsumeError(ILogger logger, string topic, int partition, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Committing {Topic}[{Partition}] at {Offset} failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(7, LogLevel.Warning, "Reading the checkpoint of {Topic}[{Partition}] failed; not committing this time")]
    public static partial void CheckpointFailed(ILogger logger, Exception e, string topic, int partition);

    [LoggerMessage(8, LogLevel.Error, "The poll loop of {Topic} stopped; this silo reads none of its partitions until they are assigned again")]
    public static partial void PollFailed(ILogger logger, Exception e, string topic);

    [LoggerMessage(9, LogLevel.Information, "A consumer of {Topic}[{Partition}] asked for a replay")]
    public static partial void ReplayRequested(ILogger logger, string topic, int partition);

    [LoggerMessage(10, LogLevel.Information, "Reading {Topic}[{Partition}] again from offset {Offset}")]
    public static partial void Rewinding(ILogger logger, string topic, int partition, long offset);

    [LoggerMessage(11, LogLevel.Warning, "Seeking {Topic}[{Partition}] to {Offset} failed: {Reason}")]
    public static partial void SeekFailed(ILogger logger, string topic, int partition, long offset, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Decoding {Topic}[{Partition}]@{Offset} failed; reading again from the start of this read")]
    public static partial void DecodeFailed(ILogger logger, Exception e, string topic, int partition, long offset);

    [LoggerMessage(13, LogLevel.Warning, "Dead-lettering {Topic}[{Partition}]@{Offset} failed; reading again from the start of this read")]
    public static partial void DeadLetterFailed(ILogger logger, Exception e, string topic, int partition, long offset);

    [LoggerMessage(14, LogLevel.Warning, "Closing the consumer of {Topic} failed: {Reason}")]
    public static partial void CloseFailed(ILogger logger, string topic, string reason);
}
