using System.Text;
using Npgsql;

namespace Encore.Warehouse;

/// <summary>
/// Which database failures a row causes (retrying changes nothing) and which pass by themselves.
/// Permanent: PostgreSQL rejects a value (SQLSTATE class 22, data exception: a NUL in text, a value
/// out of range) or a constraint (class 23), or the client cannot even encode the value. Everything
/// else, first of all a broken connection (08), too many connections or resources (53), a server
/// shutting down or starting (57P) and timeouts, is worth retrying.
/// </summary>
public static class PostgresErrors
{
    private const int MaxReasonLength = 512;

    public static bool IsPermanent(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: var state } when state.StartsWith("22", StringComparison.Ordinal) || state.StartsWith("23", StringComparison.Ordinal):
                    return true;
                case NpgsqlException or TimeoutException or OperationCanceledException:
                    return false;
                case ArgumentException or FormatException or InvalidCastException or EncoderFallbackException or OverflowException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The failure in one printable line (a rejected value's message may quote it).</summary>
    public static string Describe(Exception exception)
    {
        var text = new StringBuilder(exception is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : $"{exception.GetType().Name}: {exception.Message}");
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsControl(text[i]) || char.IsSurrogate(text[i]))
            {
                text[i] = ' ';
            }
        }

        return text.Length > MaxReasonLength ? text.ToString(0, MaxReasonLength) : text.ToString();
    }
}
