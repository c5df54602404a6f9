using System.ComponentModel.DataAnnotations;
using Grains.Interfaces;
using Microsoft.Extensions.Options;

namespace Chat.Configuration;

/// <summary>
/// Who may use the frontend (section "Auth"). With no keys the API is open, as on a laptop; with keys every request
/// but the health probes and the page's files needs one, and each key's name is the tenant its messages belong to.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The shortest secret taken: anything shorter could be guessed by trying.</summary>
    public const int MinSecretLength = 16;

    /// <summary><c>Auth:Keys:&lt;name&gt;</c> = secret, one per client; the name is its tenant.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Comma-separated names of keys that see every tenant's messages and reach the operators' endpoints.</summary>
    public string AdminKeys { get; set; } = "";

    /// <summary>Requests per key per minute; 0 for no limit. With keys off, all clients share one allowance.</summary>
    [Range(0, 10_000_000)]
    public int RequestsPerMinute { get; set; }

    /// <summary>Messages submitted per key per minute (a batch's items count one each); 0 for no limit.</summary>
    [Range(0, 100_000_000)]
    public int MessagesPerMinute { get; set; }

    /// <summary>The host name clients use beyond this machine (e.g. chat.example.com), allowed besides the loopback names.</summary>
    public string? PublicHost { get; set; }

    public bool KeysOn => Keys.Count > 0;

    public IReadOnlyList<string> AdminNames() =>
        AdminKeys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The ranges, checked by the generated validator, and the rules between values: each failure names the key an
/// operator sets (never a secret's value, which would land in a log).
/// </summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    private static readonly AuthOptionsRangeValidator Ranges = new();

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (Ranges.Validate(name, options) is { Failed: true } ranges)
        {
            failures.AddRange(ranges.Failures);
        }

        foreach (var (tenant, secret) in options.Keys)
        {
            if (!ChatRules.IsValidId(tenant))
            {
                failures.Add($"Keys:{tenant}: the key's name is its tenant and must be 1 to {ChatRules.MaxIdLength} characters of A-Z, a-z, 0-9, '_' or '-'.");
            }
            else if (string.IsNullOrWhiteSpace(secret) || secret.Trim().Length < AuthOptions.MinSecretLength)
            {
                failures.Add($"Keys:{tenant}: the secret must be at least {AuthOptions.MinSecretLength} characters, without surrounding spaces (e.g. openssl rand -hex 32).");
            }
            else if (secret.Trim() != secret)
            {
                failures.Add($"Keys:{tenant}: the secret has surrounding spaces, which a client would not send.");
            }
        }

        // Two tenants with one secret could not be told apart.
        foreach (var shared in options.Keys.GroupBy(key => key.Value, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            failures.Add($"Keys:{shared.Last().Key}: has the same secret as Auth:Keys:{shared.First().Key}; give each key its own.");
        }

        foreach (var admin in options.AdminNames().Where(admin => !options.Keys.ContainsKey(admin)))
        {
            failures.Add($"AdminKeys: '{admin}' is not a configured key: set Auth__Keys__{admin} too, or remove it from the list.");
        }

        if (!string.IsNullOrEmpty(options.PublicHost) && Uri.CheckHostName(options.PublicHost) is UriHostNameType.Unknown or UriHostNameType.Basic)
        {
            failures.Add($"PublicHost: '{options.PublicHost}' is not a host name: give the name alone, e.g. chat.example.com (no scheme, port or path).");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}

[OptionsValidator]
public sealed partial class AuthOptionsRangeValidator : IValidateOptions<AuthOptions>;
