using System.ComponentModel.DataAnnotations;

namespace Encore.Silo.Api;

/// <summary>Configuration section <c>Api</c>: who may call the HTTP API, and how much.</summary>
public sealed class ApiSettings : IValidatableObject
{
    public const string SectionName = "Api";

    /// <summary>Shorter keys are refused: they can be guessed.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// Keys for every <c>/api</c> route but the admin ones, sent in the <c>X-API-Key</c> header. With no
    /// key here nor in <see cref="AdminKeys"/>, nothing is checked and the silo listens on localhost only.
    /// </summary>
    public string[] Keys { get; set; } = [];

    /// <summary>Keys for every route, the admin ones (training, the dashboard) included.</summary>
    public string[] AdminKeys { get; set; } = [];

    /// <summary>
    /// Without keys, serve the URLs configured explicitly (ASPNETCORE_URLS, --urls) as they are, instead
    /// of localhost only: for a silo that something else in front of it protects.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary><c>POST /api/events</c> requests per second per key (per remote address without keys); a second's worth may come at once.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Api:EventPostsPerSecond must be between 1 and 1000000; set Api__EventPostsPerSecond.")]
    public int EventPostsPerSecond { get; set; } = 50;

    /// <summary>The largest request body the silo reads; a larger one is answered 413.</summary>
    [Range(typeof(long), "1024", "1073741824", ErrorMessage = "Api:MaxRequestBodyBytes must be between 1024 and 1073741824; set Api__MaxRequestBodyBytes.")]
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>The most events one <c>POST /api/events</c> may carry.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Api:MaxEventsPerPost must be between 1 and 1000000; set Api__MaxEventsPerPost.")]
    public int MaxEventsPerPost { get; set; } = 1_000;

    /// <summary>How long any request may take before it is answered 504.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "Api:RequestTimeout must be between 1 ms and 1 hour; set Api__RequestTimeout (e.g. 00:00:10).")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long Kafka may take to acknowledge a produced event (librdkafka's message.timeout.ms) before
    /// <c>POST /api/events</c> reports it as not produced and answers 503.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Api:PublishTimeout must be between 100 ms and 10 minutes; set Api__PublishTimeout (e.g. 00:00:05).")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether any key is configured, so that every <c>/api</c> call must present one.</summary>
    public bool KeysRequired => Keys.Length > 0 || AdminKeys.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        CheckKeys(nameof(Keys), Keys).Concat(CheckKeys(nameof(AdminKeys), AdminKeys));

    private static IEnumerable<ValidationResult> CheckKeys(string list, string[] keys)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i] ?? "";
            var problem = key.Length < MinKeyLength ? $"is {key.Length} characters; use at least {MinKeyLength} (e.g. openssl rand -hex 32)"
                : key.Trim() != key ? "starts or ends with white space"
                : null;
            if (problem is not null)
            {
                yield return new ValidationResult($"Api:{list}:{i} {problem}; set Api__{list}__{i}.", [list]);
            }
        }
    }
}
