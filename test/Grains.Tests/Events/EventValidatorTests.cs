using System.Text;
using Encore.Events;

namespace Encore.Grains.Tests.Events;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> Catalog = ["5SuOikwiRyPMVoIQDJUgSV", "4qPNDBW1i3p13qLCt0Ki3A"];

    private const string ValidJson =
        """{"eventId":"e-1","userId":"user-42","trackId":"5SuOikwiRyPMVoIQDJUgSV","ts":"2026-11-25T10:15:30Z","msPlayed":187000,"reasonStart":"trackdone","reasonEnd":"fwdbtn","skipped":true,"shuffle":false,"platform":"android","country":"US"}""";

    private static EventValidation Validate(string json) =>
        EventValidator.Validate(Encoding.UTF8.GetBytes(json), Now, Catalog.Contains);

    private static string Without(string field) =>
        ValidJson.Replace($"\"{field}\":", $"\"x{field}\":");

    [Fact]
    public void AcceptsTheContractExampleWithEveryField()
    {
        var result = Validate(ValidJson);

        Assert.True(result.IsValid, result.Describe());
        var e = result.Event!;
        Assert.Equal("e-1", e.EventId);
        Assert.Equal("user-42", e.UserId);
        Assert.Equal("5SuOikwiRyPMVoIQDJUgSV", e.TrackId);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 15, 30, TimeSpan.Zero), e.Ts);
        Assert.Equal(187_000, e.MsPlayed);
        Assert.Equal("trackdone", e.ReasonStart);
        Assert.Equal("fwdbtn", e.ReasonEnd);
        Assert.True(e.Skipped);
        Assert.False(e.Shuffle);
        Assert.Equal("android", e.Platform);
        Assert.Equal("US", e.Country);
    }

    [Fact]
    public void AcceptsOnlyTheRequiredFields()
    {
        var result = Validate("""{"eventId":"e","userId":"u","trackId":"4qPNDBW1i3p13qLCt0Ki3A","ts":"2026-11-25T10:00:00Z","msPlayed":0}""");

        Assert.True(result.IsValid, result.Describe());
        Assert.Null(result.Event!.Skipped);
        Assert.True(result.Event.IsSkip);
    }

    [Fact]
    public void AcceptsATimestampExactlyOneDayAhead()
    {
        var ts = Now.AddDays(1).ToString("O");
        Assert.True(Validate(ValidJson.Replace("2026-11-25T10:15:30Z", ts)).IsValid);
    }

    [Fact]
    public void NormalizesAnOffsetTimestampToUtc()
    {
        var result = Validate(ValidJson.Replace("2026-11-25T10:15:30Z", "2026-11-25T12:15:30+02:00"));

        Assert.Equal(TimeSpan.Zero, result.Event!.Ts.Offset);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 15, 30, TimeSpan.Zero), result.Event.Ts);
    }

    [Fact]
    public void IgnoresUnknownExtraFields()
    {
        Assert.True(Validate(ValidJson.Replace("{", """{"episode_name":null,"offline":true,""")).IsValid);
    }

    [Fact]
    public void RejectsAValueThatIsNotJson()
    {
        var result = Validate("user-42 played a song");

        Assert.Equal(RejectReason.NotJson, result.Reason);
        Assert.Null(result.Event);
    }

    [Fact]
    public void RejectsJsonThatIsNotAnObject()
    {
        Assert.Equal(RejectReason.NotJson, Validate("[1,2,3]").Reason);
        Assert.Equal(RejectReason.NotJson, Validate("null").Reason);
        Assert.Equal(RejectReason.NotJson, Validate(ValidJson[..^5]).Reason);
    }

    [Theory]
    [InlineData("eventId")]
    [InlineData("userId")]
    [InlineData("trackId")]
    [InlineData("ts")]
    [InlineData("msPlayed")]
    public void RejectsAMissingRequiredFieldNamingIt(string field)
    {
        var result = Validate(Without(field));

        Assert.Equal(RejectReason.MissingField, result.Reason);
        Assert.Equal($"required field '{field}' is missing or empty", result.Detail);
    }

    [Fact]
    public void RejectsAnEmptyUserIdAsMissing()
    {
        var result = Validate(ValidJson.Replace("\"user-42\"", "\"  \""));

        Assert.Equal(RejectReason.MissingField, result.Reason);
        Assert.Contains("'userId'", result.Detail);
    }

    [Fact]
    public void RejectsAFieldOfTheWrongTypeNamingIt()
    {
        var result = Validate(ValidJson.Replace("187000", "\"long\""));

        Assert.Equal(RejectReason.InvalidField, result.Reason);
        Assert.StartsWith("field msPlayed has the wrong type", result.Detail);
    }

    [Fact]
    public void RejectsATimestampThatIsNotIso8601()
    {
        var result = Validate(ValidJson.Replace("2026-11-25T10:15:30Z", "yesterday"));

        Assert.Equal(RejectReason.InvalidField, result.Reason);
        Assert.StartsWith("field ts has the wrong type", result.Detail);
    }

    [Fact]
    public void RejectsAnUnknownTrack()
    {
        var result = Validate(ValidJson.Replace("5SuOikwiRyPMVoIQDJUgSV", "0000000000000000000000"));

        Assert.Equal(RejectReason.UnknownTrack, result.Reason);
        Assert.Equal("trackId '0000000000000000000000' is not in the catalog", result.Detail);
    }

    [Fact]
    public void RejectsANegativeMsPlayed()
    {
        var result = Validate(ValidJson.Replace("187000", "-1"));

        Assert.Equal(RejectReason.NegativeMsPlayed, result.Reason);
        Assert.Equal("msPlayed is -1; it must be >= 0", result.Detail);
    }

    [Fact]
    public void RejectsATimestampMoreThanOneDayInTheFuture()
    {
        var ts = Now.AddDays(1).AddSeconds(1).ToString("O");
        var result = Validate(ValidJson.Replace("2026-11-25T10:15:30Z", ts));

        Assert.Equal(RejectReason.FutureTimestamp, result.Reason);
    }

    [Fact]
    public void RejectsAValueOver64KiBBeforeParsingIt()
    {
        var padded = ValidJson.Replace("\"android\"", $"\"{new string('a', EventValidator.MaxValueBytes)}\"");
        var result = Validate(padded);

        Assert.Equal(RejectReason.TooLarge, result.Reason);
        Assert.Equal($"value is {Encoding.UTF8.GetByteCount(padded)} bytes; the limit is 65536", result.Detail);
    }

    [Fact]
    public void AcceptsAValueOfExactly64KiB()
    {
        // Padded in a field the contract does not know: the string bounds apply to the contract's fields.
        var filler = EventValidator.MaxValueBytes - Encoding.UTF8.GetByteCount(ValidJson) - ",\"pad\":\"\"".Length;
        var padded = $"{ValidJson[..^1]},\"pad\":\"{new string('a', filler)}\"}}";

        Assert.Equal(EventValidator.MaxValueBytes, Encoding.UTF8.GetByteCount(padded));
        Assert.True(Validate(padded).IsValid);
    }

    [Fact]
    public void ChecksAnAlreadyParsedEventByTheSameRules()
    {
        var valid = Validate(ValidJson).Event!;

        Assert.True(EventValidator.Validate(valid, Now, Catalog.Contains).IsValid);
        Assert.Equal(RejectReason.NegativeMsPlayed, EventValidator.Validate(valid with { MsPlayed = -5 }, Now, Catalog.Contains).Reason);
    }

    [Theory]
    [InlineData("eventId")]
    [InlineData("userId")]
    [InlineData("trackId")]
    public void AcceptsAnIdOfExactly256BytesAndRejectsOneOf257(string field)
    {
        var catalog = new HashSet<string>(Catalog) { new string('t', 256), new string('t', 257) };
        EventValidation With(string id) => EventValidator.Validate(Validate(ValidJson).Event! with
        {
            EventId = field == "eventId" ? id : "e-1",
            UserId = field == "userId" ? id : "user-42",
            TrackId = field == "trackId" ? id : "5SuOikwiRyPMVoIQDJUgSV",
        }, Now, catalog.Contains);

        Assert.True(With(new string('t', 256)).IsValid);
        var result = With(new string('t', 257));
        Assert.Equal(RejectReason.StringTooLong, result.Reason);
        Assert.Equal($"field '{field}' is 257 bytes (UTF-8); the limit is 256", result.Detail);
    }

    [Fact]
    public void CountsAnIdsLengthInUtf8Bytes()
    {
        // 86 three-byte characters are 258 bytes although only 86 chars.
        var result = Validate(ValidJson.Replace("\"user-42\"", $"\"{new string('€', 86)}\""));

        Assert.Equal(RejectReason.StringTooLong, result.Reason);
        Assert.Equal("field 'userId' is 258 bytes (UTF-8); the limit is 256", result.Detail);
    }

    [Theory]
    [InlineData("reasonStart", "trackdone")]
    [InlineData("reasonEnd", "fwdbtn")]
    [InlineData("platform", "android")]
    [InlineData("country", "US")]
    public void BoundsEveryOptionalStringField(string field, string value)
    {
        var result = Validate(ValidJson.Replace($"\"{field}\":\"{value}\"", $"\"{field}\":\"{new string('x', 257)}\""));

        Assert.Equal(RejectReason.StringTooLong, result.Reason);
        Assert.Equal($"field '{field}' is 257 bytes (UTF-8); the limit is 256", result.Detail);
    }

    [Theory]
    [InlineData("eventId", "e-1", "\\u0000", "0000")]
    [InlineData("userId", "user-42", "a\\u0000b", "0000")]
    [InlineData("trackId", "5SuOikwiRyPMVoIQDJUgSV", "\\u001f", "001F")]
    [InlineData("reasonStart", "trackdone", "\\n", "000A")]
    [InlineData("reasonEnd", "fwdbtn", "\\t", "0009")]
    [InlineData("platform", "android", "\\u007f", "007F")]
    [InlineData("country", "US", "U\\rS", "000D")]
    public void RejectsAControlCharacterInAnyStringField(string field, string value, string hostile, string code)
    {
        var result = Validate(ValidJson.Replace($"\"{field}\":\"{value}\"", $"\"{field}\":\"{hostile}\""));

        Assert.Equal(RejectReason.ControlCharacter, result.Reason);
        Assert.StartsWith($"field '{field}' contains the control character U+{code};", result.Detail);
    }

    [Fact]
    public void RejectsAnUnpairedSurrogateOnTheWireAndInAnEventObject()
    {
        var wire = Validate(ValidJson.Replace("\"user-42\"", "\"a\\ud800b\""));
        var parsed = EventValidator.Validate(Validate(ValidJson).Event! with { UserId = "a\ud800b" }, Now, Catalog.Contains);

        Assert.Equal(RejectReason.InvalidField, wire.Reason);
        Assert.StartsWith("field userId has the wrong type", wire.Detail);
        Assert.Equal(RejectReason.InvalidField, parsed.Reason);
        Assert.Equal("field 'userId' contains an unpaired UTF-16 surrogate", parsed.Detail);
    }

    [Fact]
    public void AcceptsNonAsciiTextAndPairedSurrogates()
    {
        var result = Validate(ValidJson.Replace("\"user-42\"", "\"Zoë \\ud83c\\udfb5 ü\""));

        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("Zoë 🎵 ü", result.Event!.UserId);
    }

    [Fact]
    public void ChecksARouteValueByTheSameBounds()
    {
        Assert.Null(EventValidator.CheckString("userId", "user-42"));
        Assert.Equal(RejectReason.ControlCharacter, EventValidator.CheckString("userId", "a\0b")!.Value.Reason);
        Assert.Equal(RejectReason.StringTooLong, EventValidator.CheckString("genre", new string('g', 300))!.Value.Reason);
    }

    [Theory]
    [InlineData(29_999, null, true)]
    [InlineData(30_000, null, false)]
    [InlineData(200_000, true, true)]
    [InlineData(0, false, true)]
    public void ASkipIsAShortPlayOrOneTheClientMarked(long msPlayed, bool? skipped, bool isSkip)
    {
        var e = Validate(ValidJson).Event! with { MsPlayed = msPlayed, Skipped = skipped };
        Assert.Equal(isSkip, e.IsSkip);
    }

    [Fact]
    public void SerializesWithTheContractFieldNames()
    {
        var json = Encoding.UTF8.GetString(EventJson.Serialize(Validate(ValidJson).Event!));

        Assert.Equal(ValidJson.Replace("10:15:30Z", "10:15:30+00:00"), json);
    }
}
