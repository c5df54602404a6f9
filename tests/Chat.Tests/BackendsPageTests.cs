using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Tests;

/// <summary>The page's backend selector, the backend shown with each reply, and the live Backends table, in Chromium.</summary>
public sealed class BackendsPageTests(BackendsPageFixture fixture) : IClassFixture<BackendsPageFixture>
{
    [Fact]
    public async Task The_page_lists_the_backends_with_their_figures_and_sends_a_message_to_the_chosen_one()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = 1200, Height = 900 } });
        await page.GotoAsync(fixture.Http.BaseAddress!.ToString());

        // Every configured backend, in GET /backends' order, before anything was sent; echo chosen as the cluster's default.
        var rows = page.Locator("#backends tbody tr");
        await Expect(rows).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await Expect(Cells(page, "alpha")).ToHaveTextAsync(["alpha", "openai", "m-alpha", "3", "0", "0", "0", "0", "0", "0", "0"]);
        await Expect(Cells(page, "beta")).ToHaveTextAsync(["beta", "ollama", "m-beta", "none", "0", "0", "0", "0", "0", "0", "0"]);
        await Expect(Cells(page, "echo")).ToHaveTextAsync(["echo", "echo", "—", "none", "0", "0", "0", "0", "0", "0", "0"]);
        await Expect(page.Locator("#backend option")).ToHaveTextAsync(["alpha", "beta", "echo"]);
        await Expect(page.Locator("#backend")).ToHaveValueAsync("echo");

        // The first answer is a 429: the table counts it, and the message is answered after the wait it asked for.
        fixture.Alpha.Inject(FakeFault.RateLimited, count: 1, retryAfter: TimeSpan.FromSeconds(1));
        await page.SelectOptionAsync("#backend", "alpha");
        await page.FillAsync("#message", "hello alpha");
        await page.ClickAsync("#send");
        var message = page.Locator("#messages li").First;
        await Expect(message).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 30_000 });
        // The fake replies "<model> says: <message>" and counts words as tokens.
        await Expect(message.Locator(".reply")).ToHaveTextAsync("m-alpha says: hello alpha");
        await Expect(message.Locator(".meta .via")).ToHaveTextAsync("alpha · m-alpha · 2 in / 4 out tokens");
        Assert.Equal((1L, 1L), (fixture.Alpha.Stats.RateLimited, fixture.Alpha.Stats.Completed));

        await Expect(Cells(page, "alpha")).ToHaveTextAsync(["alpha", "openai", "m-alpha", "3", "0", "0", "1", "0", "1", "2", "4"], new() { Timeout = 15_000 });
        await Expect(Cells(page, "echo")).ToHaveTextAsync(["echo", "echo", "—", "none", "0", "0", "0", "0", "0", "0", "0"]);
        Assert.Equal(0L, fixture.Beta.Stats.Requests);
        await Expect(page.Locator("#alert")).ToBeHiddenAsync();

        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("web-page-backends.png"), FullPage = true });
    }

    private static ILocator Cells(IPage page, string backend) => page.Locator($"#backends tr[data-backend='{backend}'] > *");
}
