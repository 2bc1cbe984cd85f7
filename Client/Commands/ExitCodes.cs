namespace Encore.Client.Commands;

/// <summary>Exit codes the producing verbs share, so that scripts read them alike.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Some events were not delivered (or, for evaluate, the live system could not be measured).</summary>
    public const int Failed = 1;

    /// <summary>Nothing was produced: a missing file, an unreachable Kafka or API, a bad catalog.</summary>
    public const int SetupFailed = 2;

    public const int Cancelled = 130;
}
