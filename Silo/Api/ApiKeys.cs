using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Encore.Silo.Api;

/// <summary>Who called: a configured key, named by its list and position (never by its value).</summary>
internal sealed record ApiCaller(string Name, bool IsAdmin);

/// <summary>The configured API keys (<c>Api:Keys</c>, <c>Api:AdminKeys</c>) and the lookup of a presented one.</summary>
internal sealed class ApiKeys
{
    private readonly (byte[] Hash, ApiCaller Caller)[] _keys;

    public ApiKeys(IOptions<ApiSettings> settings)
    {
        // Admin keys first, so that a key listed in both is an admin key.
        _keys =
        [
            .. settings.Value.AdminKeys.Select((key, i) => (Hash(key), new ApiCaller($"admin key {i}", IsAdmin: true))),
            .. settings.Value.Keys.Select((key, i) => (Hash(key), new ApiCaller($"key {i}", IsAdmin: false))),
        ];
    }

    /// <summary>Whether any key is configured, so that every <c>/api</c> call must present one.</summary>
    public bool Required => _keys.Length > 0;

    /// <summary>The caller whose key this is, or null for a key that is not configured.</summary>
    public ApiCaller? Find(string presented)
    {
        // Compared as SHA-256 hashes (all the same length) with FixedTimeEquals, against every key
        // without stopping at a match: how long this takes says nothing about any key's bytes.
        var hash = Hash(presented);
        ApiCaller? found = null;
        foreach (var (keyHash, caller) in _keys)
        {
            var same = CryptographicOperations.FixedTimeEquals(hash, keyHash);
            found = same && found is null ? caller : found;
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
