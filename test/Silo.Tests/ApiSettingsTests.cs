using System.ComponentModel.DataAnnotations;
using Encore.Silo.Api;

namespace Encore.Silo.Tests;

/// <summary>A key that is easy to guess, or mangled by the shell, stops the silo at start with the key to fix.</summary>
public sealed class ApiSettingsTests
{
    [Fact]
    public void LongKeysAreAccepted() =>
        Assert.Empty(Validate(new ApiSettings { Keys = ["0123456789abcdef"], AdminKeys = ["an-admin-key-long-enough"] }));

    [Fact]
    public void AShortKeyIsRefusedByItsPlace() =>
        Assert.Equal(
            ["Api:AdminKeys:1 is 5 characters; use at least 16 (e.g. openssl rand -hex 32); set Api__AdminKeys__1."],
            Validate(new ApiSettings { AdminKeys = ["an-admin-key-long-enough", "short"] }));

    [Fact]
    public void AKeyWithSurroundingSpaceIsRefused() =>
        Assert.Equal(
            ["Api:Keys:0 starts or ends with white space; set Api__Keys__0."],
            Validate(new ApiSettings { Keys = ["0123456789abcdef "] }));

    [Fact]
    public void AnEmptyKeyIsRefused() =>
        Assert.Equal(
            ["Api:Keys:0 is 0 characters; use at least 16 (e.g. openssl rand -hex 32); set Api__Keys__0."],
            Validate(new ApiSettings { Keys = [""] }));

    private static string[] Validate(ApiSettings settings)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }
}
