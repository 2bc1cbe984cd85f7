using Encore.Events;
using Microsoft.Extensions.Logging;

namespace Encore.Pipeline;

/// <summary>
/// Where an event that passed validation but cannot be applied (its grain cannot activate or store it)
/// is set aside with its reason, so that its partition moves on. The host writes it to the dead-letter
/// topic; without one it is logged.
/// </summary>
public interface IDeadLetters
{
    Task WriteAsync(PartitionEvent poison, string reason);
}

/// <summary>The fallback when no dead-letter topic is wired (test clusters on memory streams): a warning per event.</summary>
internal sealed partial class LoggedDeadLetters(ILogger<LoggedDeadLetters> logger) : IDeadLetters
{
    public Task WriteAsync(PartitionEvent poison, string reason)
    {
        LogDeadLettered(logger, poison.Partition, poison.Offset, reason);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1120, Level = LogLevel.Warning, Message = "Dead-lettered the event of partition {Partition} at offset {Offset}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, int partition, long offset, string reason);
}
