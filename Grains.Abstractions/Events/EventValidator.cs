using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Encore.Events;

/// <summary>Why a message on the listening-event topic was rejected (the README, "The listening event").</summary>
public enum RejectReason
{
    TooLarge,
    NotJson,
    MissingField,
    InvalidField,
    NegativeMsPlayed,
    FutureTimestamp,
    UnknownTrack,
    StringTooLong,
    ControlCharacter,
}

/// <summary>The outcome of validating one message: the event, or the reason it was rejected.</summary>
public readonly record struct EventValidation(ListeningEvent? Event, RejectReason? Reason, string? Detail)
{
    public bool IsValid => Event is not null;

    /// <summary>One line for logs, dead-letter headers and HTTP problem details.</summary>
    public string Describe() => IsValid ? "valid" : $"{Reason}: {Detail}";

    internal static EventValidation Reject(RejectReason reason, string detail) => new(null, reason, detail);
}

/// <summary>The one place that decides whether a message is a listening event Encore accepts.</summary>
public static class EventValidator
{
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>
    /// The most UTF-8 bytes of an id (eventId, userId, trackId) and of any other string field: ids are
    /// grain keys and indexed warehouse columns, which must not grow without bound.
    /// </summary>
    public const int MaxStringBytes = 256;

    /// <summary>How far in the future an event's end time may lie before it is rejected.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    /// <param name="value">The raw Kafka message value (UTF-8 JSON).</param>
    /// <param name="now">The current time, for the future-timestamp rule.</param>
    /// <param name="isKnownTrack">Whether a track id is in the catalog.</param>
    public static EventValidation Validate(ReadOnlySpan<byte> value, DateTimeOffset now, Func<string, bool> isKnownTrack)
    {
        if (value.Length > MaxValueBytes)
        {
            return EventValidation.Reject(RejectReason.TooLarge, $"value is {value.Length} bytes; the limit is {MaxValueBytes}");
        }

        WireEvent? wire;
        try
        {
            wire = JsonSerializer.Deserialize(value, WireJson.Default.WireEvent);
        }
        catch (JsonException e)
        {
            return DescribeJsonError(e);
        }

        return wire is null
            ? EventValidation.Reject(RejectReason.NotJson, "value is JSON null, not an event object")
            : Validate(wire, now, isKnownTrack);
    }

    /// <summary>Validates an event that is already an object (for example one posted to the HTTP API).</summary>
    public static EventValidation Validate(ListeningEvent candidate, DateTimeOffset now, Func<string, bool> isKnownTrack) =>
        Validate(WireEvent.From(candidate), now, isKnownTrack);

    /// <summary>
    /// The bounds every string of an event obeys, for values that arrive elsewhere (a route or query
    /// value naming a user, track or genre): null when <paramref name="value"/> is acceptable.
    /// </summary>
    public static EventValidation? CheckString(string field, string value)
    {
        var surrogates = false;
        foreach (var c in value)
        {
            if (c is <= '\u001F' or '\u007F')
            {
                return EventValidation.Reject(RejectReason.ControlCharacter,
                    $"field '{field}' contains the control character U+{(int)c:X4}; control characters (U+0000-U+001F, U+007F) are not allowed");
            }

            surrogates |= char.IsSurrogate(c);
        }

        // An escaped lone surrogate ("\ud800") is valid JSON but no UTF-8 text: PostgreSQL could not store it.
        if (surrogates && !HasValidSurrogates(value))
        {
            return EventValidation.Reject(RejectReason.InvalidField, $"field '{field}' contains an unpaired UTF-16 surrogate");
        }

        // A char is at most 3 UTF-8 bytes, so short strings need no count.
        if (value.Length * 3 > MaxStringBytes && Encoding.UTF8.GetByteCount(value) is var bytes && bytes > MaxStringBytes)
        {
            return EventValidation.Reject(RejectReason.StringTooLong,
                $"field '{field}' is {bytes} bytes (UTF-8); the limit is {MaxStringBytes}");
        }

        return null;
    }

    private static bool HasValidSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static EventValidation Validate(WireEvent wire, DateTimeOffset now, Func<string, bool> isKnownTrack)
    {
        if (string.IsNullOrWhiteSpace(wire.EventId))
        {
            return Missing("eventId");
        }

        if (string.IsNullOrWhiteSpace(wire.UserId))
        {
            return Missing("userId");
        }

        if (string.IsNullOrWhiteSpace(wire.TrackId))
        {
            return Missing("trackId");
        }

        if (wire.CheckStrings() is { } rejected)
        {
            return rejected;
        }

        if (wire.Ts is not { } ts)
        {
            return Missing("ts");
        }

        if (wire.MsPlayed is not { } msPlayed)
        {
            return Missing("msPlayed");
        }

        if (msPlayed < 0)
        {
            return EventValidation.Reject(RejectReason.NegativeMsPlayed, $"msPlayed is {msPlayed}; it must be >= 0");
        }

        if (ts > now + MaxClockSkew)
        {
            return EventValidation.Reject(RejectReason.FutureTimestamp,
                $"ts {ts.UtcDateTime:O} is more than {MaxClockSkew.TotalDays:0} day after now ({now.UtcDateTime:O})");
        }

        if (!isKnownTrack(wire.TrackId))
        {
            return EventValidation.Reject(RejectReason.UnknownTrack, $"trackId '{wire.TrackId}' is not in the catalog");
        }

        return new EventValidation(wire.ToEvent(ts.ToUniversalTime(), msPlayed), null, null);
    }

    private static EventValidation Missing(string field) =>
        EventValidation.Reject(RejectReason.MissingField, $"required field '{field}' is missing or empty");

    private static EventValidation DescribeJsonError(JsonException e)
    {
        var message = e.Message.Split(" Path:")[0];

        // Malformed JSON surfaces as a reader exception wrapped in a JsonException; a JsonException of its
        // own with a path means the JSON is well formed but a field has the wrong type (msPlayed: "abc").
        return e.InnerException is not JsonException && e.Path is { Length: > 1 } path
            ? EventValidation.Reject(RejectReason.InvalidField, $"field {path.TrimStart('$', '.')} has the wrong type: {message}")
            : EventValidation.Reject(RejectReason.NotJson, $"value is not a JSON event object: {message}");
    }

    /// <summary>What arrives on the wire, with every field optional so missing ones get a precise reason.</summary>
    internal sealed class WireEvent
    {
        public string? EventId { get; set; }
        public string? UserId { get; set; }
        public string? TrackId { get; set; }
        public DateTimeOffset? Ts { get; set; }
        public long? MsPlayed { get; set; }
        public string? ReasonStart { get; set; }
        public string? ReasonEnd { get; set; }
        public bool? Skipped { get; set; }
        public bool? Shuffle { get; set; }
        public string? Platform { get; set; }
        public string? Country { get; set; }

        /// <summary>The first string field out of bounds, in field order; field by field, because this runs for every event read.</summary>
        public EventValidation? CheckStrings() =>
            Check("eventId", EventId) ?? Check("userId", UserId) ?? Check("trackId", TrackId) ?? Check("reasonStart", ReasonStart)
            ?? Check("reasonEnd", ReasonEnd) ?? Check("platform", Platform) ?? Check("country", Country);

        private static EventValidation? Check(string field, string? value) => value is null ? null : CheckString(field, value);

        public static WireEvent From(ListeningEvent e) => new()
        {
            EventId = e.EventId, UserId = e.UserId, TrackId = e.TrackId, Ts = e.Ts, MsPlayed = e.MsPlayed,
            ReasonStart = e.ReasonStart, ReasonEnd = e.ReasonEnd, Skipped = e.Skipped, Shuffle = e.Shuffle,
            Platform = e.Platform, Country = e.Country,
        };

        public ListeningEvent ToEvent(DateTimeOffset ts, long msPlayed) => new()
        {
            EventId = EventId!, UserId = UserId!, TrackId = TrackId!, Ts = ts, MsPlayed = msPlayed,
            ReasonStart = ReasonStart, ReasonEnd = ReasonEnd, Skipped = Skipped, Shuffle = Shuffle,
            Platform = Platform, Country = Country,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EventValidator.WireEvent))]
internal sealed partial class WireJson : JsonSerializerContext;
