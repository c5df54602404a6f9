using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Grains.Options;

/// <summary>
/// Each tenant's share of its backends' turns (section "Auth:Weights:&lt;name&gt;", e.g. <c>Auth__Weights__acme=3</c>): a
/// tenant of weight 3 gets three messages started for every one of a tenant of weight 1 while both wait. Tenants not
/// named, and the unnamed tenant of a cluster without keys, weigh 1. Names match case-insensitively, as keys do.
/// </summary>
public sealed class TenantWeights
{
    public const string Section = "Auth:Weights";
    public const int Max = 1000;

    private readonly Dictionary<string, int> _weights;

    private TenantWeights(Dictionary<string, int> weights) => _weights = weights;

    public static TenantWeights Even { get; } = new(new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase));

    public int Of(string tenant) => _weights.GetValueOrDefault(tenant, 1);

    /// <summary>Reads and checks the section, so a silo with a bad weight stops at start-up naming the key.</summary>
    /// <exception cref="OptionsValidationException">A weight is not a whole number from 1 to <see cref="Max"/>.</exception>
    public static TenantWeights Load(IConfiguration configuration)
    {
        var weights = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var failures = new List<string>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            if (int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight is >= 1 and <= Max)
            {
                weights[entry.Key] = weight;
            }
            else
            {
                failures.Add($"{Section}:{entry.Key}: '{entry.Value}' is not a whole number from 1 to {Max}: the tenant's share of turns at each backend, 1 when not set.");
            }
        }

        return failures.Count > 0 ? throw new OptionsValidationException(Section, typeof(TenantWeights), failures) : new TenantWeights(weights);
    }
}
