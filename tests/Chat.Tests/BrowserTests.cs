using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Tests;

[Collection(ClusterCollection.Name)]
public sealed class BrowserTests(ChatClusterFixture fixture)
{
    [Fact]
    public async Task The_page_shows_a_reply_live_and_a_burst_reaches_every_silo_and_the_rate_chart()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = 1200, Height = 800 } });
        await page.GotoAsync(fixture.Http.BaseAddress!.ToString());

        var silos = page.Locator("#silos .silo");
        await Expect(silos).ToHaveCountAsync(3, new() { Timeout = 15_000 });

        await page.FillAsync("#message", "hello from the browser");
        await page.ClickAsync("#send");
        var message = page.Locator("#messages li").First;
        await Expect(message).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 15_000 });
        await Expect(message.Locator(".reply")).ToHaveTextAsync("hello from the browser");
        await Expect(message.Locator(".meta")).ToContainTextAsync("silo 127.0.0.1:");

        var before = await ProcessedBySilo(page);
        await page.FillAsync("#burst-count", "100");
        await page.ClickAsync("#burst");
        await Expect(page.Locator("#burst-status")).ToHaveTextAsync("Burst: 100 accepted, 0 rejected of 100.", new() { Timeout = 60_000 });

        // Every silo's bar must move: each processed part of the burst, pushed live by /cluster/events.
        await page.WaitForFunctionAsync(
            "before => [...document.querySelectorAll('#silos .silo')].every(row => Number(row.dataset.processed) > (before[row.dataset.silo] ?? 0))",
            before, new() { Timeout = 30_000 });
        // The rate chart draws a line per silo that rose above zero while the burst ran.
        await page.WaitForFunctionAsync(
            """
            () => {
              const rows = [...document.querySelectorAll('#silos .silo')];
              const zero = Number(document.querySelector('#rate-chart line.baseline')?.getAttribute('y1'));
              return rows.length === 3 && rows.every(row => {
                const line = document.querySelector(`#rate-chart polyline[data-silo="${row.dataset.silo}"]`);
                const ys = (line?.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).map(point => Number(point.split(',')[1]));
                return ys.length >= 2 && ys.some(y => y < zero);
              });
            }
            """, null, new() { Timeout = 30_000 });
        await Expect(page.Locator("#rate-legend li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#alert")).ToBeHiddenAsync();

        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("web-page.png"), FullPage = true });
    }

    private static async Task<Dictionary<string, long>> ProcessedBySilo(IPage page)
    {
        var json = await page.EvaluateAsync<string>(
            "JSON.stringify(Object.fromEntries([...document.querySelectorAll('#silos .silo')].map(row => [row.dataset.silo, Number(row.dataset.processed)])))");
        return JsonSerializer.Deserialize<Dictionary<string, long>>(json)!;
    }
}
