using System.Security.Cryptography;
using System.Text;
using Chat.Configuration;
using Microsoft.Extensions.Options;

namespace WebFrontend.Auth;

/// <summary>The configured keys, held as SHA-256 hashes so that every comparison is over 32 bytes.</summary>
public sealed class ApiKeys
{
    private readonly (string Tenant, byte[] Hash, bool Admin)[] _keys;

    public ApiKeys(IOptions<AuthOptions> options)
    {
        var admins = options.Value.AdminNames().ToHashSet(StringComparer.Ordinal);
        _keys = options.Value.Keys.Select(key => (key.Key, Hash(key.Value), admins.Contains(key.Key))).ToArray();
    }

    public bool On => _keys.Length > 0;

    /// <summary>
    /// The key whose secret this is, or null. Every key is compared, each in constant time, so the time taken says
    /// nothing about how much of a secret was right, nor which key came close.
    /// </summary>
    public (string Tenant, bool Admin)? Find(string secret)
    {
        var presented = Hash(secret);
        (string, bool)? found = null;
        foreach (var (tenant, hash, admin) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                found = (tenant, admin);
            }
        }

        return found;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
