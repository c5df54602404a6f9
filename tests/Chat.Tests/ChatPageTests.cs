using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Tests;

/// <summary>
/// The chat page in Chromium against the paced fake backend: a reply appears piece by piece, a reload in the middle of
/// it picks the same reply up again, and a running reply can be cancelled.
/// </summary>
[Collection(StreamingClusterCollection.Name)]
public sealed class ChatPageTests(StreamingClusterFixture fixture) : IDisposable
{
    private const float Timeout = 60_000;

    /// <summary>
    /// Every state the page showed of each message, recorded by a MutationObserver as the page changes it (each SSE event
    /// is a task of its own, so each piece's text is seen). Installed before the page's scripts run, on every load.
    /// </summary>
    private const string Recorder = """
        window.replyLog = [];
        document.addEventListener("DOMContentLoaded", () => {
          const record = () => {
            for (const item of document.querySelectorAll("#messages li")) {
              const entry = { id: item.dataset.id, status: item.dataset.status, text: item.querySelector(".reply").textContent };
              const last = window.replyLog.findLast((e) => e.id === entry.id);
              if (!last || last.text !== entry.text || last.status !== entry.status) window.replyLog.push(entry);
            }
          };
          new MutationObserver(record).observe(document.getElementById("messages"),
            { subtree: true, childList: true, characterData: true, attributes: true });
        });
        """;

    public void Dispose() => fixture.Paced.Reset();

    [Fact]
    public async Task A_streamed_reply_shows_up_in_several_growing_steps_before_it_completes()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 20);
        await using var session = await OpenAsync();
        var page = session.Page;

        var id = await SendAsync(page, Message("steps", 40));

        var item = page.Locator($"#messages li[data-id='{id}']");
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        var reply = ExpectedReply(Message("steps", 40));
        await Expect(item.Locator(".reply")).ToHaveTextAsync(reply);
        await Expect(item.Locator(".meta .where")).ToContainTextAsync("silo 127.0.0.1:");
        await Expect(item.Locator(".meta .via")).ToHaveTextAsync("paced · m-paced · 40 in / 42 out tokens");
        await Expect(item.Locator(".cancel")).ToBeHiddenAsync();

        var steps = Partials(await LogAsync(page, id), reply);
        Assert.True(steps.Count >= 5, $"the reply showed {steps.Count} partial states before completing; several expected: {string.Join(" | ", steps)}");
        AssertGrowingPrefixes(steps, reply);
        await Expect(page.Locator("#alert")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_reload_in_the_middle_of_a_reply_resumes_the_same_reply_without_repeating_text()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 8);
        await using var session = await OpenAsync();
        var page = session.Page;
        var message = Message("reload", 60);
        var reply = ExpectedReply(message);

        var id = await SendAsync(page, message);
        await page.WaitForFunctionAsync(
            "id => { const item = document.querySelector(`#messages li[data-id='${id}']`); return item?.dataset.status === 'processing' && item.querySelector('.reply').textContent.length > 0; }",
            id, new() { Timeout = Timeout });
        var address = page.Url;
        Assert.Contains("#conversation=", address, StringComparison.Ordinal);

        await page.ReloadAsync();

        Assert.Equal(address, page.Url);
        var item = page.Locator($"#messages li[data-id='{id}']");
        await Expect(page.Locator("#messages li")).ToHaveCountAsync(1, new() { Timeout = Timeout });
        await Expect(item.Locator(".text")).ToHaveTextAsync(message);
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(item.Locator(".reply")).ToHaveTextAsync(reply);

        // After the reload the reply went on growing live, every state a part of the one reply, never a piece twice.
        var steps = Partials(await LogAsync(page, id), reply);
        Assert.True(steps.Count >= 2, $"after the reload the reply showed {steps.Count} partial states; it should have gone on streaming: {string.Join(" | ", steps)}");
        AssertGrowingPrefixes(steps, reply);
        await Expect(page.Locator("#conversations li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#conversations a[aria-current='page']")).ToHaveTextAsync(new Regex("^reload1 reload2"));
        await Expect(page.Locator("#alert")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_running_reply_can_be_cancelled_and_the_conversation_goes_on()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 5);
        await using var session = await OpenAsync();
        var page = session.Page;

        var first = await SendAsync(page, Message("stop", 60));
        var item = page.Locator($"#messages li[data-id='{first}']");
        await Expect(item).ToHaveAttributeAsync("data-status", "processing", new() { Timeout = Timeout });
        await item.Locator(".cancel").ClickAsync();
        await Expect(item).ToHaveAttributeAsync("data-status", "cancelled", new() { Timeout = Timeout });
        await Expect(item.Locator(".cancel")).ToBeHiddenAsync();

        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 200);
        var second = await SendAsync(page, "after the cancel");
        var next = page.Locator($"#messages li[data-id='{second}']");
        await Expect(next).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(next.Locator(".reply")).ToHaveTextAsync(ExpectedReply("after the cancel"));
        await Expect(page.Locator("#messages li")).ToHaveCountAsync(2);
    }

    private async Task<BrowserSession> OpenAsync()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = 1200, Height = 900 } });
        await page.AddInitScriptAsync(Recorder);
        await page.GotoAsync(fixture.Http.BaseAddress!.ToString());
        await Expect(page.Locator("#backend option[value='paced']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await page.SelectOptionAsync("#backend", "paced");
        return new BrowserSession(playwright, browser, page);
    }

    /// <summary>Sends with the keyboard (Enter), as a user would, and answers the new message's id.</summary>
    private static async Task<string> SendAsync(IPage page, string message)
    {
        var count = await page.Locator("#messages li").CountAsync();
        await page.FillAsync("#message", message);
        await page.PressAsync("#message", "Enter");
        var item = page.Locator("#messages li").Nth(count);
        await Expect(item.Locator(".text")).ToHaveTextAsync(message, new() { Timeout = Timeout });
        await Expect(page.Locator("#message")).ToHaveValueAsync("");
        return (await item.GetAttributeAsync("data-id"))!;
    }

    private static async Task<List<(string Status, string Text)>> LogAsync(IPage page, string id)
    {
        var json = await page.EvaluateAsync<string>("id => JSON.stringify(window.replyLog.filter((e) => e.id === id))", id);
        return JsonSerializer.Deserialize<JsonElement[]>(json)!
            .Select(e => (e.GetProperty("status").GetString()!, e.GetProperty("text").GetString()!))
            .ToList();
    }

    /// <summary>The distinct texts shown while the message was processing, short of the whole reply.</summary>
    private static List<string> Partials(List<(string Status, string Text)> log, string reply) =>
        log.Where(e => e.Status == "processing" && e.Text.Length > 0 && e.Text != reply).Select(e => e.Text).Distinct().ToList();

    private static void AssertGrowingPrefixes(List<string> steps, string reply)
    {
        for (var index = 0; index < steps.Count; index++)
        {
            Assert.True(reply.StartsWith(steps[index], StringComparison.Ordinal), $"step {index} is not the start of the reply: '{steps[index]}'");
            if (index > 0)
            {
                Assert.True(steps[index].Length > steps[index - 1].Length, $"step {index} did not grow: '{steps[index - 1]}' then '{steps[index]}'");
            }
        }
    }

    private static string Message(string tag, int words) => string.Join(' ', Enumerable.Range(1, words).Select(i => $"{tag}{i}"));

    /// <summary>The fake's reply: the model's name, then the last user message.</summary>
    private static string ExpectedReply(string message) => $"m-paced says: {message}";

    private sealed record BrowserSession(IPlaywright Playwright, IBrowser Browser, IPage Page) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            Playwright.Dispose();
        }
    }
}
