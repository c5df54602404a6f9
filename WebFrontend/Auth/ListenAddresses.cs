using System.Net;

namespace WebFrontend.Auth;

/// <summary>Where Kestrel will listen, read from configuration with Kestrel's own precedence, to tell loopback from the rest.</summary>
public static class ListenAddresses
{
    /// <summary>Where the frontend listens when nothing says otherwise: this machine only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>
    /// Listens on <see cref="DefaultUrl"/> unless the listen address is configured in any of the ways ASP.NET Core
    /// reads: ASPNETCORE_URLS, --urls or Urls, the http(s)_ports a container image sets, or Kestrel:Endpoints. A default
    /// in appsettings.json would not do: it would win over ASPNETCORE_URLS, which ASP.NET Core reads before it.
    /// </summary>
    public static WebApplicationBuilder ListenOnLoopbackUnlessConfigured(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()
            && string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrEmpty(configuration[WebHostDefaults.HttpsPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    /// <summary>The first configured address that is not loopback, or null when every one is.</summary>
    public static string? FirstPublic(IConfiguration configuration)
    {
        // Kestrel:Endpoints replaces urls, which replaces the http_ports/https_ports a container image may set.
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>().ToList();
        if (endpoints.Count > 0)
        {
            return endpoints.FirstOrDefault(url => !IsLoopback(url));
        }

        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(url => !IsLoopback(url));
        }

        // Ports alone bind every interface.
        return configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } http ? $"http://*:{http}"
            : configuration[WebHostDefaults.HttpsPortsKey] is { Length: > 0 } https ? $"https://*:{https}"
            : null;
    }

    private static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }

        if (address.IsUnixPipe || string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
