namespace Encore.Catalog;

/// <summary>Configuration section <c>Catalog</c> (DESIGN.md §3.3).</summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>A Kaggle-format tracks CSV; empty for the deterministic synthetic catalog.</summary>
    public string? Path { get; set; }
}
