using System.ComponentModel.DataAnnotations;

namespace Encore.Warehouse;

/// <summary>
/// Configuration section <c>Warehouse</c>: how the silo's warehouse sink batches. It is active only
/// when <c>ConnectionStrings:Postgres</c> is set.
/// </summary>
public sealed class WarehouseOptions
{
    public const string SectionName = "Warehouse";

    /// <summary>The longest a queued row waits before its batch is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Warehouse:FlushInterval must be between 10 ms and 1 min; set Warehouse__FlushInterval.")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A batch is written as soon as it has this many rows.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Warehouse:MaxBatchRows must be between 1 and 1 000 000; set Warehouse__MaxBatchRows.")]
    public int MaxBatchRows { get; set; } = 5_000;

    /// <summary>
    /// Rows the sink buffers at most. When it is full, partition grains wait (their streams slow
    /// down) and served recommendations are dropped; at 5 000 events/s the default rides out a
    /// 10-second database outage without slowing anything.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "Warehouse:BufferRows must be between 1 and 10 000 000; set Warehouse__BufferRows.")]
    public int BufferRows { get; set; } = 50_000;

    /// <summary>The longest wait between two attempts while the database is unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Warehouse:MaxRetryDelay must be between 10 ms and 10 min; set Warehouse__MaxRetryDelay.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
}
