using System.Globalization;
using System.Text;

namespace Chat.Tests.Infrastructure;

/// <summary>One line of a scrape: a series' name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? Label(string name) => Labels.GetValueOrDefault(name);
}

/// <summary>
/// A scrape in Prometheus' text exposition format (version 0.0.4), parsed as Prometheus would: the type each
/// <c># TYPE</c> line declares, and every sample with its labels.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyDictionary<string, string> types, IReadOnlyList<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>The declared type of each metric family by its name: counter, gauge, histogram, ...</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static async Task<PrometheusText> ScrapeAsync(HttpClient http, Uri endpoint)
    {
        using var response = await http.GetAsync(endpoint);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return Parse(await response.Content.ReadAsStringAsync());
    }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        foreach (var line in text.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Length > 0))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                types[parts[2]] = parts[3];
            }
            else if (!line.StartsWith('#'))
            {
                samples.Add(ParseSample(line));
            }
        }

        return new PrometheusText(types, samples);
    }

    /// <summary>The series of this name whose labels include every one given.</summary>
    public IEnumerable<PrometheusSample> Series(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(sample => sample.Name == name && labels.All(label => sample.Label(label.Label) == label.Value));

    /// <summary>The sum of those series, as <c>sum(name{labels})</c> would give it; 0 when there are none.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => Series(name, labels).Sum(sample => sample.Value);

    // name{label="value",...} value [timestamp]
    private static PrometheusSample ParseSample(string line)
    {
        var nameEnd = line.IndexOfAny(['{', ' ']);
        var name = line[..nameEnd];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = nameEnd;
        if (line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var equals = line.IndexOf('=', position);
                var label = line[position..equals].Trim(' ', ',');
                var text = new StringBuilder();
                position = equals + 2;  // past ="
                for (; line[position] != '"'; position++)
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        text.Append(line[position] == 'n' ? '\n' : line[position]);
                    }
                    else
                    {
                        text.Append(line[position]);
                    }
                }

                labels[label] = text.ToString();
                position++;
                if (line[position] == ',')
                {
                    position++;
                }
            }

            position++;
        }

        var value = line[position..].Trim().Split(' ')[0];
        return new PrometheusSample(name, labels, ParseValue(value));
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
