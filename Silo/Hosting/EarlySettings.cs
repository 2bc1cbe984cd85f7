using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Hosting;

/// <summary>
/// Settings read while the silo is being built, before options are validated on start: checked here
/// with the same attributes, so that a bad value stops the silo with the message that names its key
/// rather than with whatever the code using it would throw.
/// </summary>
internal static class EarlySettings
{
    public static T Validated<T>(T settings, string section) where T : class
    {
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(settings, new ValidationContext(settings), problems, validateAllProperties: true))
        {
            throw new OptionsValidationException(section, typeof(T), problems.Select(p => p.ErrorMessage ?? $"{section} is invalid"));
        }

        return settings;
    }
}
