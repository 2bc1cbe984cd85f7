namespace Encore.Client.Evaluation;

/// <summary>The level items are compared at: catalog track ids, or artist names (a track's first-listed artist).</summary>
public enum EvaluationLevel
{
    Track,
    Artist,
}
