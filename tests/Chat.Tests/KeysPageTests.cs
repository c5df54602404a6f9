using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Tests;

/// <summary>
/// The web page in Chromium against a frontend with API keys on: it asks for a key, sends it on every call and
/// stream, keeps it for the tab only (across a reload, not in another tab), forgets it on request, tells a tenant what
/// only an admin key shows, and shows what messages and replies hold as text, never as markup.
/// </summary>
public sealed class KeysPageTests(KeysPageFixture fixture) : IClassFixture<KeysPageFixture>
{
    private const float Timeout = 20_000;
    private const string WrongKey = "not-a-key-this-cluster-knows";

    [Fact]
    public async Task With_keys_on_the_page_asks_for_a_key_and_then_streams_replies_and_keeps_the_key_for_the_tab_only()
    {
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 20);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        // One context for two tabs: they share localStorage and cookies, and each has its own sessionStorage.
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        var addresses = new List<string>();
        var eventStreams = new List<HttpStatusCode>();
        page.Request += (_, request) => { lock (addresses) { addresses.Add(request.Url); } };
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/events", StringComparison.Ordinal))
            {
                lock (eventStreams) { eventStreams.Add((HttpStatusCode)response.Status); }
            }
        };
        await page.GotoAsync(fixture.Http.BaseAddress!.ToString());

        // Asked for up front (the first calls answered 401); a key the cluster does not know is asked for again.
        var keyField = page.GetByLabel("API key", new() { Exact = true });
        await Expect(keyField).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Expect(keyField).ToHaveAttributeAsync("type", "password");
        await keyField.FillAsync(WrongKey);
        await keyField.PressAsync("Enter");
        await Expect(page.Locator("#key-reason")).ToHaveTextAsync(
            "That key was not accepted: The API key is not one this cluster knows.", new() { Timeout = Timeout });
        await keyField.FillAsync(KeysPageFixture.Alice);
        await page.ClickAsync("#use-key");
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        await Expect(page.Locator("#key-status")).ToBeVisibleAsync();
        await ExpectKeyKeptForTheTabOnly(page, KeysPageFixture.Alice);

        // A tenant's key: the panels only an admin key reaches say so, and messages go to the cluster's default.
        await ExpectTenantView(page);

        var message = string.Join(' ', Enumerable.Range(1, 30).Select(i => $"keyed{i}"));
        await page.FillAsync("#message", message);
        await page.PressAsync("#message", "Enter");
        var item = page.Locator("#messages li").First;
        await Expect(item.Locator(".text")).ToHaveTextAsync(message, new() { Timeout = Timeout });
        var id = (await item.GetAttributeAsync("data-id"))!;
        await page.EvaluateAsync(RecordSteps, id);
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(item.Locator(".reply")).ToHaveTextAsync($"m-paced says: {message}");
        await Expect(item.Locator(".meta .via")).ToContainTextAsync("paced · m-paced");
        var steps = JsonSerializer.Deserialize<string[]>(await page.EvaluateAsync<string>("JSON.stringify(window.keyedSteps)"))!;
        var partial = steps.Where(step => step.Length > 0 && step != $"m-paced says: {message}").ToArray();
        Assert.True(partial.Length >= 3, $"the reply showed {partial.Length} partial states before completing: {string.Join(" | ", partial)}");
        Assert.All(partial, step => Assert.StartsWith(step, $"m-paced says: {message}", StringComparison.Ordinal));

        // The key stays with the tab: after a reload nothing is asked, the conversation loads and a new message is answered.
        await page.ReloadAsync();
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(item.Locator(".reply")).ToHaveTextAsync($"m-paced says: {message}");
        await ExpectTenantView(page);
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();
        await page.FillAsync("#message", "after the reload");
        await page.PressAsync("#message", "Enter");
        var second = page.Locator("#messages li").Nth(1);
        await Expect(second).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(second.Locator(".reply")).ToHaveTextAsync("m-paced says: after the reload");
        await Expect(page.Locator("#alert")).ToBeHiddenAsync();
        await ExpectKeyKeptForTheTabOnly(page, KeysPageFixture.Alice);

        // Another tab of the same browser has its own sessionStorage, so it is asked for a key; the first tab keeps its.
        var other = await context.NewPageAsync();
        await other.GotoAsync(fixture.Http.BaseAddress!.ToString());
        await Expect(other.GetByLabel("API key", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Expect(other.Locator("#key-status")).ToBeHiddenAsync();
        await ExpectKeyKeptForTheTabOnly(other, null);
        await other.CloseAsync();
        await ExpectKeyKeptForTheTabOnly(page, KeysPageFixture.Alice);

        // Forgetting the key asks for one again. An admin's key shows the cluster and chooses the default backend; the
        // tenant's conversation, which the admin knows by another id, stays listed for the key that made it.
        await page.ClickAsync("#forget-key");
        await Expect(keyField).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Expect(page.Locator("#key-status")).ToBeHiddenAsync();
        await ExpectKeyKeptForTheTabOnly(page, null);
        await keyField.FillAsync(KeysPageFixture.Ops);
        await keyField.PressAsync("Enter");
        await Expect(page.Locator("#alert")).ToHaveTextAsync(
            "That conversation was not found with this API key; it may belong to another key. Delete it from the list if it is gone.", new() { Timeout = Timeout });
        await Expect(page.Locator("#conversations li")).ToHaveCountAsync(1);
        await Expect(page.Locator("#silos .silo")).ToHaveCountAsync(1, new() { Timeout = Timeout });
        await Expect(page.Locator("#backend option")).ToHaveTextAsync(["echo", "paced"], new() { Timeout = Timeout });
        await Expect(page.Locator("#backend")).ToHaveValueAsync("paced");
        await Expect(page.Locator("#backends-note")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("web-page-keys.png"), FullPage = true });

        lock (addresses)
        {
            string[] keys = [KeysPageFixture.Alice, KeysPageFixture.Ops, WrongKey];
            Assert.DoesNotContain(addresses, address => keys.Any(key => address.Contains(key, StringComparison.Ordinal)));
        }

        lock (eventStreams)
        {
            // The reply streams and the admin's cluster stream were let in, which takes the key in a header.
            Assert.Contains(HttpStatusCode.OK, eventStreams);
            Assert.Contains(HttpStatusCode.Forbidden, eventStreams);
        }
    }

    [Fact]
    public async Task Markup_in_a_message_and_in_its_streamed_reply_is_shown_as_text_and_never_becomes_elements_or_runs()
    {
        // Reply pieces one word at a time, so "<img " alone is shown on its way as well.
        fixture.Paced.Behavior = new FakeChatBehavior(TokensPerSecond: 20);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        // From before the page's first byte: any <img> or <b>, or any element with an onerror attribute, that ever
        // enters the document, however briefly.
        await page.AddInitScriptAsync(WatchForMarkup);
        await page.GotoAsync(fixture.Http.BaseAddress!.ToString());
        var keyField = page.GetByLabel("API key", new() { Exact = true });
        await Expect(keyField).ToBeVisibleAsync(new() { Timeout = Timeout });
        await keyField.FillAsync(KeysPageFixture.Alice);
        await keyField.PressAsync("Enter");
        await Expect(page.Locator("#key-form")).ToBeHiddenAsync();

        await page.FillAsync("#message", Markup);
        await page.PressAsync("#message", "Enter");
        var item = page.Locator("#messages li").First;
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await ExpectShownAsText(page);

        // Loaded again from the cluster (GET /conversations/{id}, then the result), it is rendered by the other path.
        await page.ReloadAsync();
        await Expect(item).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = Timeout });
        await Expect(item.Locator(".reply")).ToHaveTextAsync($"m-paced says: {Markup}", new() { Timeout = Timeout });
        await ExpectShownAsText(page);
    }

    [Fact]
    public async Task Get_backends_marks_the_configured_default_and_no_other()
    {
        using var ops = fixture.As(KeysPageFixture.Ops);
        using var response = await ops.GetAsync("/backends");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var marks = body.RootElement.EnumerateArray()
            .Select(backend => (backend.GetProperty("name").GetString(), backend.GetProperty("isDefault").GetBoolean()))
            .ToArray();
        Assert.Equal([("echo", false), ("paced", true)], marks);
    }

    [Fact]
    public async Task The_page_s_event_stream_reader_parses_the_format_resumes_after_a_drop_and_gives_up_on_a_403()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(fixture.Http.BaseAddress!, "/health").ToString());
        await page.AddScriptTagAsync(new() { Url = "/sse.js" });

        var outcome = await page.EvaluateAsync<string>(StreamScript);

        // CR, LF and CRLF endings split across reads, a comment, "data:" lines joined, a character split across reads,
        // the id carried to an event without one, and an event cut off by the drop never delivered.
        Assert.Equal(
            """{"events":[["delta","a\n b","1"],["result","x","1"],["message","é","7"],["message","after","8"]],"lastEventIds":[null,"7","8"],"refused":403}""",
            outcome);
    }

    /// <summary>
    /// Three answers from a stand-in for the network: a stream that drops mid-event, one the server ends, then a 403.
    /// Resolves with what the reader delivered and the Last-Event-ID each connection sent.
    /// </summary>
    private const string StreamScript = """
        () => new Promise((resolve) => {
          const bytes = (text) => new TextEncoder().encode(text);
          const answers = [
            [bytes("\uFEFFretry: 20\r"), bytes("\n: keep-alive\r\nevent: delta\r\nid: 1\r\ndata: a\r\ndata:  b\r"),
             bytes("\n\r\nevent: result\ndata: x\n\nid: 7\ndata:"), new Uint8Array([0x20, 0xc3]), new Uint8Array([0xa9, 0x0a, 0x0a]),
             bytes("data: cut off by the drop"), "drop"],
            [bytes("id: 8\rdata: after\r\r")],
            403,
          ];
          const lastEventIds = [], events = [];
          window.authFetch = async (url, init) => {
            lastEventIds.push(new Headers(init.headers).get("Last-Event-ID"));
            const answer = answers.shift();
            if (typeof answer === "number") return new Response("{}", { status: answer, headers: { "Content-Type": "application/problem+json" } });
            const body = new ReadableStream({
              async pull(controller) {
                const next = answer.shift();
                if (next === undefined) controller.close();
                else if (next === "drop") controller.error(new TypeError("network error"));
                else controller.enqueue(next);
              },
            });
            return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream; charset=utf-8" } });
          };
          new EventStream("/stand-in", {
            onEvent: (type, data, id) => events.push([type, data, id]),
            onRefused: (response) => resolve(JSON.stringify({ events, lastEventIds, refused: response.status })),
          });
        })
        """;

    /// <summary>Each text the reply of one message shows from now on, as the page changes it.</summary>
    private const string RecordSteps = """
        id => {
          window.keyedSteps = [];
          const reply = document.querySelector(`#messages li[data-id='${id}'] .reply`);
          const note = () => { if (window.keyedSteps.at(-1) !== reply.textContent) window.keyedSteps.push(reply.textContent); };
          new MutationObserver(note).observe(reply, { subtree: true, childList: true, characterData: true });
        }
        """;

    /// <summary>Markup that, were it parsed as HTML, would add an image that runs script and a bold element.</summary>
    private const string Markup = "<img src=x onerror=\"window.__xss=1\"><b>bold</b>";

    private const string WatchForMarkup = """
        window.__markup = [];
        new MutationObserver((records) => {
          for (const record of records) {
            for (const node of record.addedNodes) {
              if (node.nodeType !== Node.ELEMENT_NODE) continue;
              for (const element of [node, ...node.querySelectorAll("*")]) {
                if (element.matches("img, b, [onerror]")) window.__markup.push(element.outerHTML);
              }
            }
          }
        }).observe(document, { childList: true, subtree: true });
        """;

    /// <summary>What the page shows of the markup message: where it shows it, its text exactly, and what it made of it.</summary>
    private const string ShownMarkup = """
        () => {
          const item = document.querySelector("#messages li");
          const text = item.querySelector(".text"), reply = item.querySelector(".reply");
          return JSON.stringify({
            text: text.textContent, textElements: text.childElementCount,
            reply: reply.textContent, replyElements: reply.childElementCount,
            title: document.querySelector("#chat-title").textContent,
            listed: document.querySelector("#conversations li .title").textContent,
            made: window.__markup, found: document.querySelectorAll("img, b, [onerror]").length, xss: typeof window.__xss,
          });
        }
        """;

    private static async Task ExpectShownAsText(IPage page)
    {
        var shown = JsonSerializer.Deserialize<JsonElement>(await page.EvaluateAsync<string>(ShownMarkup));
        string Text(string name) => shown.GetProperty(name).GetString()!;
        int Count(string name) => shown.GetProperty(name).GetInt32();

        // The message, its reply, the conversation's title and its entry in the list show the markup's characters, and
        // hold no element of their own.
        Assert.Equal(Markup, Text("text"));
        Assert.Equal(0, Count("textElements"));
        Assert.Equal($"m-paced says: {Markup}", Text("reply"));
        Assert.Equal(0, Count("replyElements"));
        Assert.Equal(Markup, Text("title"));
        Assert.Equal(Markup, Text("listed"));

        // No <img>, <b> or onerror attribute ever entered the document, none is in it now, and no script of it ran.
        Assert.Empty(shown.GetProperty("made").EnumerateArray().Select(element => element.GetString()));
        Assert.Equal(0, Count("found"));
        Assert.Equal("undefined", Text("xss"));
    }

    /// <summary>
    /// The key is in this tab's sessionStorage (or, for null, in none) and never in localStorage or a cookie, which
    /// outlive the tab.
    /// </summary>
    private static async Task ExpectKeyKeptForTheTabOnly(IPage page, string? key)
    {
        var kept = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await page.EvaluateAsync<string>("""
            () => JSON.stringify({
              session: sessionStorage.getItem("chat.apiKey"),
              sessionValues: Object.keys(sessionStorage).map((name) => name + "=" + sessionStorage.getItem(name)),
              localValues: Object.keys(localStorage).map((name) => name + "=" + localStorage.getItem(name)),
              cookie: document.cookie,
            })
            """))!;
        Assert.Equal(key, kept["session"].GetString());
        string[] secrets = [KeysPageFixture.Alice, KeysPageFixture.Ops, WrongKey];
        var sessionValues = kept["sessionValues"].EnumerateArray().Select(value => value.GetString()!).ToArray();
        Assert.Equal(key is null ? [] : [$"chat.apiKey={key}"], sessionValues.Where(value => secrets.Any(secret => value.Contains(secret, StringComparison.Ordinal))));
        var localValues = kept["localValues"].EnumerateArray().Select(value => value.GetString()!).ToArray();
        Assert.DoesNotContain(localValues, value => secrets.Any(secret => value.Contains(secret, StringComparison.Ordinal)));
        Assert.DoesNotContain(localValues, value => value.StartsWith("chat.apiKey=", StringComparison.Ordinal));
        Assert.Equal("", kept["cookie"].GetString());
    }

    private static async Task ExpectTenantView(IPage page)
    {
        await Expect(page.Locator("#cluster-summary")).ToHaveTextAsync(
            "The cluster view needs an admin key (one named in Auth__AdminKeys); this key can send and follow messages.", new() { Timeout = Timeout });
        // The backends to choose from, the default chosen, without the operators' figures.
        await Expect(page.Locator("#backends-note")).ToHaveTextAsync(
            "The backends' caps, load and totals need an admin key (one named in Auth__AdminKeys).", new() { Timeout = Timeout });
        await Expect(page.Locator("#backend option")).ToHaveTextAsync(["echo", "paced"]);
        await Expect(page.Locator("#backend")).ToHaveValueAsync("paced");
        await Expect(page.Locator("#backends tr[data-backend='paced'] [data-field='completed']")).ToHaveTextAsync("—");
        await Expect(page.Locator("#silos .silo")).ToHaveCountAsync(0);
    }
}
