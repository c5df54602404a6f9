using System.Net;
using Chat.Tests.Infrastructure;
using FakeChatBackend;

namespace Chat.Tests;

/// <summary>
/// What Prometheus scrapes from a running cluster (real processes, each silo on its own metrics port): the messages'
/// counters, gauges and histograms by backend summed over the silos, Orleans' and .NET's meters, and the frontend's
/// HTTP requests at /metrics; and the same pushed over OTLP to a collector.
/// </summary>
public sealed class MetricsTests
{
    private const int EchoMessages = 12;
    private const int DownMessages = 4;
    private const int SlowMessages = 4;
    private const int Silos = 3;

    [Fact]
    public async Task A_scrape_of_every_silo_counts_each_message_once_by_backend_and_the_frontend_counts_its_requests()
    {
        // "down" answers nothing (a closed port) and has one attempt, so each of its messages fails at once.
        // "slow" takes one call at a time and its first call hangs, so the others wait where the queued gauge sees them.
        using var collector = new OtlpReceiver();
        await using var backend = await FakeChatServer.StartAsync();
        backend.Inject(FakeFault.Hang);
        await using var cluster = await ProcessCluster.StartAsync("metrics", redis: null, Silos, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["Processing__MaxAttempts"] = "1",
            ["Backends__down__Kind"] = "openai",
            ["Backends__down__Model"] = "m",
            ["Backends__down__Endpoint"] = $"http://127.0.0.1:{FreePorts.Any()}/v1",
            ["Backends__slow__Kind"] = "openai",
            ["Backends__slow__Model"] = "fake-model",
            ["Backends__slow__Endpoint"] = backend.OpenAiEndpoint.ToString(),
            ["Backends__slow__MaxConcurrency"] = "1",
        });
        await QueuedWhileTheBackendIsBusyAsync(cluster);
        var echo = ChatApiBatchExtensions.NewIds("metrics-echo", EchoMessages);
        var down = ChatApiBatchExtensions.NewIds("metrics-down", DownMessages);
        await cluster.Api.SubmitAll(echo);
        foreach (var id in down)
        {
            using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "down");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await cluster.Api.WaitForAllCompleted(echo);
        foreach (var id in down)
        {
            await cluster.Api.WaitForStatus(id, "failed");
        }

        var silos = await Eventually.Returns(
            () => ScrapeSilos(cluster),
            scrapes => Sum(scrapes, "chat_messages_completed_total", "echo") == EchoMessages
                && Sum(scrapes, "chat_messages_failed_total", "down") == DownMessages
                && Sum(scrapes, "chat_processing_duration_seconds_count", "down") == DownMessages
                // A worker leaves its attempt just after the result grain has recorded the outcome.
                && Sum(scrapes, "chat_messages_in_flight", "echo") + Sum(scrapes, "chat_messages_in_flight", "down") == 0,
            "the silos' scrapes to count every finished message, with none in flight");

        Assert.Equal(EchoMessages, Sum(silos, "chat_messages_accepted_total", "echo"));
        Assert.Equal(DownMessages, Sum(silos, "chat_messages_accepted_total", "down"));
        Assert.Equal(EchoMessages, Sum(silos, "chat_messages_completed_total", "echo"));
        Assert.Equal(0, Sum(silos, "chat_messages_completed_total", "down"));
        Assert.Equal(DownMessages, Sum(silos, "chat_messages_failed_total", "down"));
        Assert.Equal(0, Sum(silos, "chat_messages_failed_total", "echo"));
        // One attempt each; only a reply ends a message's end-to-end time.
        Assert.Equal(EchoMessages, Sum(silos, "chat_processing_duration_seconds_count", "echo"));
        Assert.Equal(DownMessages, Sum(silos, "chat_processing_duration_seconds_count", "down"));
        Assert.Equal(EchoMessages, Sum(silos, "chat_end_to_end_duration_seconds_count", "echo"));
        Assert.Equal(0, Sum(silos, "chat_end_to_end_duration_seconds_count", "down"));
        Assert.Equal(EchoMessages, silos.Sum(scrape => scrape.Sum("chat_end_to_end_duration_seconds_bucket", ("backend", "echo"), ("le", "+Inf"))));
        Assert.Equal(EchoMessages, silos.Sum(scrape => scrape.Sum("chat_processing_duration_seconds_bucket", ("backend", "echo"), ("le", "3600"))));
        // Nothing waits any more, on any silo, for either backend.
        Assert.Contains(silos, scrape => scrape.Series("chat_messages_queued", ("backend", "echo")).Any());
        Assert.Equal(0, Sum(silos, "chat_messages_queued", "echo") + Sum(silos, "chat_messages_queued", "down"));

        // Microsoft.Extensions.AI's own measure of the same calls, and the tokens the fake backend reported for the
        // slow backend's three replies (its hung call was cancelled and reported none).
        Assert.Equal(
            EchoMessages + DownMessages,
            silos.Sum(scrape => scrape.Sum("gen_ai_client_operation_duration_seconds_count"))
                - silos.Sum(scrape => scrape.Sum("gen_ai_client_operation_duration_seconds_count", ("gen_ai_request_model", "fake-model"))));
        Assert.Equal(SlowMessages - 1, silos.Sum(scrape => scrape.Sum("gen_ai_client_token_usage_count", ("gen_ai_request_model", "fake-model"), ("gen_ai_token_type", "input"))));
        Assert.Equal(SlowMessages - 1, silos.Sum(scrape => scrape.Sum("gen_ai_client_token_usage_count", ("gen_ai_request_model", "fake-model"), ("gen_ai_token_type", "output"))));
        Assert.True(silos.Sum(scrape => scrape.Sum("gen_ai_client_token_usage_sum", ("gen_ai_token_type", "output"))) >= SlowMessages - 1);

        // A silo may have stored or run none of the messages, and then has none of their series.
        Assert.Equal(["counter"], silos.Select(scrape => scrape.Types.GetValueOrDefault("chat_messages_accepted_total")).OfType<string>().Distinct());
        Assert.Equal(["gauge"], silos.Select(scrape => scrape.Types.GetValueOrDefault("chat_messages_queued")).OfType<string>().Distinct());
        Assert.Equal(["histogram"], silos.Select(scrape => scrape.Types.GetValueOrDefault("chat_processing_duration_seconds")).OfType<string>().Distinct());
        foreach (var scrape in silos)
        {
            Assert.Contains(scrape.Types.Keys, name => name.StartsWith("orleans_", StringComparison.Ordinal));
            Assert.Contains(scrape.Types.Keys, name => name.StartsWith("dotnet_", StringComparison.Ordinal));
        }

        // The frontend: every POST /chat it answered, Orleans' client, and none of the silos' message metrics.
        var frontend = await Eventually.Returns(
            () => PrometheusText.ScrapeAsync(cluster.Http, new Uri("/metrics", UriKind.Relative)),
            scrape => ChatPosts(scrape) == EchoMessages + DownMessages + SlowMessages,
            "the frontend's scrape to count every POST /chat");
        Assert.Equal(EchoMessages + DownMessages + SlowMessages, ChatPosts(frontend));
        Assert.Contains(frontend.Types.Keys, name => name.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.DoesNotContain(frontend.Samples, sample => sample.Name.StartsWith("chat_", StringComparison.Ordinal));

        // The same metrics pushed over OTLP, OpenTelemetry's names (no _total, no unit suffix) from each kind of host.
        await Eventually.Returns(
            () => Task.FromResult(collector.Received("/v1/metrics", "chat-silo", "chat_messages_completed", "chat_end_to_end_duration", "backend", "echo")),
            received => received, "a silo's OTLP export of the message metrics");
        await Eventually.Returns(
            () => Task.FromResult(collector.Received("/v1/metrics", "chat-frontend", "http.server.request.duration")),
            received => received, "the frontend's OTLP export of its requests");
    }

    /// <summary>
    /// Four messages for a backend that takes one at a time and hangs on the first: the silos report three queued and
    /// one in flight for as long as it hangs; cancelling the hung one lets the rest run, and the gauge goes back to 0.
    /// </summary>
    private static async Task QueuedWhileTheBackendIsBusyAsync(ProcessCluster cluster)
    {
        var slow = ChatApiBatchExtensions.NewIds("metrics-slow", SlowMessages);
        foreach (var id in slow)
        {
            using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "slow");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Eventually.Returns(
            () => ScrapeSilos(cluster),
            scrapes => Sum(scrapes, "chat_messages_queued", "slow") == SlowMessages - 1 && Sum(scrapes, "chat_messages_in_flight", "slow") == 1,
            "the silos to report three messages queued for the busy backend and one in flight",
            describe: scrapes => $"queued {Sum(scrapes, "chat_messages_queued", "slow")}, in flight {Sum(scrapes, "chat_messages_in_flight", "slow")}");

        var hung = await Eventually.Returns(
            async () => (await Task.WhenAll(slow.Select(async id => (Id: id, Status: (await cluster.Api.Result(id)).GetProperty("status").GetString())))).Where(m => m.Status == "processing").ToArray(),
            running => running.Length == 1, "the hung message to show processing");
        using (var cancelled = await cluster.Http.DeleteAsync($"/chat/{hung[0].Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        await cluster.Api.WaitForAllCompleted(slow.Where(id => id != hung[0].Id).ToList());
        await Eventually.Returns(
            () => ScrapeSilos(cluster), scrapes => Sum(scrapes, "chat_messages_queued", "slow") == 0, "the slow backend's queue to empty");
    }

    private static async Task<IReadOnlyList<PrometheusText>> ScrapeSilos(ProcessCluster cluster)
    {
        using var http = new HttpClient();
        var scrapes = new List<PrometheusText>();
        for (var instance = 0; instance < Silos; instance++)
        {
            scrapes.Add(await PrometheusText.ScrapeAsync(http, cluster.SiloMetrics(instance)));
        }

        return scrapes;
    }

    private static double Sum(IEnumerable<PrometheusText> scrapes, string name, string backend) =>
        scrapes.Sum(scrape => scrape.Sum(name, ("backend", backend)));

    private static double ChatPosts(PrometheusText scrape) =>
        scrape.Sum("http_server_request_duration_seconds_count", ("http_request_method", "POST"), ("http_route", "/chat/"), ("http_response_status_code", "202"));
}
