using System.ComponentModel.DataAnnotations;

namespace Encore.Similarity;

/// <summary>Configuration section <c>Similarity</c>: how much the collaborative signal may hold.</summary>
public sealed class SimilarityOptions
{
    public const string SectionName = "Similarity";

    /// <summary>
    /// Partners all co-occurrence lists keep together, each of the 64 buckets a 64th of it (12 bytes a
    /// partner: the default is about 200 MB). Each list keeps up to its kind's capacity; a bucket past its
    /// share lowers how many every one of its lists keeps (<see cref="PartnerBudget"/>), so that a silo's
    /// memory stops growing with the catalog and the hours it has been running.
    /// </summary>
    [Range(PartnerBudget.MinListCapacity * 2 * CoOccurrenceBuckets.Count, long.MaxValue,
        ErrorMessage = "Similarity:MaxPartners must be at least 4 096 (64 per bucket); set Similarity__MaxPartners.")]
    public long MaxPartners { get; set; } = 16 * 1024 * 1024;
}
