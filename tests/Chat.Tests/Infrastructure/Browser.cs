using Microsoft.Playwright;

namespace Chat.Tests.Infrastructure;

/// <summary>Headless Debian Chromium driven by Playwright; the test run installs Chromium, never downloads a browser build.</summary>
public static class Browser
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured
            ? configured
            : Candidates.FirstOrDefault(File.Exists)
              ?? throw new InvalidOperationException("Chromium not found: install Debian's 'chromium' package (./test does when run as root) or set CHROMIUM_PATH.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // The machine has no network but loopback; background services would only fail to connect.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>artifacts/test-results under the repository root, where CI keeps test artifacts.</summary>
    public static string ArtifactPath(string fileName)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "artifacts", "test-results");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }
}
