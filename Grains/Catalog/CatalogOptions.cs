using System.ComponentModel.DataAnnotations;

namespace Encore.Catalog;

/// <summary>Configuration section <c>Catalog</c> (the README, "Configuration").</summary>
public sealed class CatalogOptions : IValidatableObject
{
    public const string SectionName = "Catalog";

    /// <summary>A Kaggle-format tracks CSV; empty for the deterministic synthetic catalog.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// The catalog loads in the background after start; a missing file found only then would leave the
    /// silo running but never ready, so it is refused at start with the key to fix.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Path) && !File.Exists(Path))
        {
            yield return new ValidationResult(
                $"Catalog:Path '{Path}' is not a file; set Catalog__Path to the Kaggle Spotify tracks CSV, or leave it empty for the synthetic catalog.",
                [nameof(Path)]);
        }
    }
}
