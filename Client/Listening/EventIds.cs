using System.Security.Cryptography;
using System.Text;

namespace Encore.Client.Listening;

/// <summary>
/// Event ids that depend only on where a play came from, so that reading a file again gives the same
/// ids and a second replay is a resend the pipeline counts once.
/// </summary>
internal static class EventIds
{
    /// <summary>32 hex digits (128 bits of SHA-256) of the parts, separated so that ("ab","c") and ("a","bc") differ.</summary>
    public static string For(params ReadOnlySpan<string> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part).Append('\u001f');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
