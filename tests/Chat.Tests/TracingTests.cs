using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using FakeChatBackend;
using Xunit.Abstractions;

namespace Chat.Tests;

/// <summary>
/// One message, one trace, from real processes exporting over OTLP: the frontend's request, the dispatcher on the
/// silo the frontend reached, the result grain that queued it, across the work stream to the worker on another silo,
/// the worker's backend call down to its HTTP request, and the completed result pushed back to the frontend's watcher.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Silos = 2;
    private const int Messages = 8;
    private const string Model = "m-traced";
    private FakeChatServer _backend = null!;

    // The wait before the first token lets each message's watcher subscribe while the message still runs.
    public async Task InitializeAsync() => _backend = await FakeChatServer.StartAsync(new FakeChatBehavior(LatencyMs: 2000));

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task A_message_is_one_trace_from_the_request_across_the_work_stream_to_another_silos_backend_call_and_back()
    {
        using var collector = new OtlpReceiver();
        await using var cluster = await ProcessCluster.StartAsync("tracing", redis: null, Silos, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Backends__fake__Kind"] = "openai",
            ["Backends__fake__Endpoint"] = _backend.OpenAiEndpoint.ToString(),
            ["Backends__fake__Model"] = Model,
        });

        // Messages go round-robin over the backend's partitions, which are spread over both silos, so some run on a
        // silo other than the one whose dispatcher took them.
        var ids = ChatApiBatchExtensions.NewIds("traced", Messages);
        var watches = new List<Task<IReadOnlyList<(string Event, JsonElement Data)>>>();
        foreach (var id in ids)
        {
            using var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(id), id, "fake");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            watches.Add(ServerSentEvents.ReadAll(cluster.Http, $"/result/{id}/events", TimeSpan.FromSeconds(60)));
        }

        var events = await Task.WhenAll(watches);
        Assert.All(events, watched => Assert.Equal("completed", watched[^1].Data.GetProperty("status").GetString()));
        // A watcher that subscribed before its message completed was told of the completion by a push.
        var pushed = ids.Where((_, i) => events[i][0].Data.GetProperty("status").GetString() != "completed").ToHashSet();

        var spans = await Eventually.Returns(
            () => Task.FromResult(new Spans(collector.Spans())),
            exported => ids.All(exported.HasWholeTrace),
            "every message's trace, from the frontend's request to the backend's HTTP request, to be exported");
        var crossing = ids.Where(id => spans.One("chat submit", id).ServiceInstance != spans.One("chat process fake", id).ServiceInstance).ToList();
        output.WriteLine($"{crossing.Count} of {Messages} messages ran on another silo than the one that took them; {pushed.Count} watchers were pushed the completion");
        var candidates = crossing.Where(pushed.Contains).ToList();
        Assert.True(candidates.Count > 0, "no message both ran on another silo than the one that took it and was watched before it completed");
        var message = candidates[0];

        var submit = spans.One("chat submit", message);
        var process = spans.One("chat process fake", message);
        var (accepting, running) = (submit.ServiceInstance!, process.ServiceInstance!);
        Assert.NotEqual(accepting, running);
        Assert.Equal([cluster.SiloEndpoint(0), cluster.SiloEndpoint(1)], new[] { accepting, running }.Order());

        // Up from the dispatcher to the frontend's request: one trace, the request its root.
        var dispatched = spans.Parent(submit);
        Assert.Equal(("IChatDispatcherGrain/Submit", OtlpSpan.Server, "chat-silo", accepting), Describe(dispatched));
        var dispatching = spans.Parent(dispatched);
        var frontend = dispatching.ServiceInstance;
        Assert.Equal(("IChatDispatcherGrain/Submit", OtlpSpan.Client, "chat-frontend", frontend), Describe(dispatching));
        var request = spans.Parent(dispatching);
        Assert.Equal(("POST /chat/", OtlpSpan.Server, "chat-frontend", frontend), Describe(request));
        Assert.Null(request.ParentSpanId);
        Assert.Equal("/chat/", request.Attributes["http.route"]);

        // Across the work stream: the worker's span continues the result grain's Accept, which the dispatcher called.
        var accepted = spans.Parent(process);
        var stored = accepted.ServiceInstance;
        Assert.Contains(stored, new[] { accepting, running });
        Assert.Equal(("IChatResultGrain/Accept", OtlpSpan.Server, "chat-silo", stored), Describe(accepted));
        var accept = spans.Parent(accepted);
        Assert.Equal(("IChatResultGrain/Accept", OtlpSpan.Client, "chat-silo", accepting), Describe(accept));
        Assert.Equal(submit.SpanId, accept.ParentSpanId);
        Assert.Equal(("chat process fake", OtlpSpan.Consumer, "chat-silo", running), Describe(process));
        Assert.Equal("fake", process.Attributes["chat.backend"]);
        Assert.Equal("completed", process.Attributes["chat.outcome"]);
        Assert.Equal(request.TraceId, process.TraceId);

        // Down from the worker: the backend call (Microsoft.Extensions.AI's GenAI span) and its HTTP request.
        var call = spans.Child(process, $"chat {Model}");
        Assert.Equal(($"chat {Model}", OtlpSpan.Client, "chat-silo", running), Describe(call));
        var http = spans.Child(call, "POST");
        Assert.Equal(("POST", OtlpSpan.Client, "chat-silo", running), Describe(http));
        Assert.Equal(new Uri(_backend.OpenAiEndpoint, "v1/chat/completions").ToString(), http.Attributes["url.full"]);

        // And back: the worker completes the result grain, which pushes the result to the frontend's watcher.
        var completing = spans.Child(process, "IChatResultGrain/Complete");
        Assert.Equal(OtlpSpan.Client, completing.Kind);
        var completed = spans.Child(completing, "IChatResultGrain/Complete");
        Assert.Equal(("IChatResultGrain/Complete", OtlpSpan.Server, "chat-silo", stored), Describe(completed));
        var pushing = spans.Child(completed, "IChatResultObserver/OnResultChanged");
        Assert.Equal(OtlpSpan.Client, pushing.Kind);
        var push = await Eventually.Returns(
            () => Task.FromResult(new Spans(collector.Spans()).Children(pushing, "IChatResultObserver/OnResultChanged").SingleOrDefault()),
            received => received is not null, "the frontend's span of the pushed result");
        Assert.Equal(("IChatResultObserver/OnResultChanged", OtlpSpan.Server, "chat-frontend", frontend), Describe(push!));
        Assert.Equal(request.TraceId, push!.TraceId);

        // Background grain calls that no request made are not traced.
        Assert.DoesNotContain(spans.All, span => span.Name == "IClusterLoadGrain/Report");
    }

    private static (string Name, int Kind, string Service, string? Instance) Describe(OtlpSpan span) =>
        (span.Name, span.Kind, span.Service, span.ServiceInstance);

    /// <summary>The spans exported so far, looked up by id, by parent, and by the message they are about.</summary>
    private sealed class Spans(IReadOnlyList<OtlpSpan> all)
    {
        private readonly Dictionary<string, OtlpSpan> _byId = all.GroupBy(span => span.SpanId).ToDictionary(group => group.Key, group => group.First());
        private readonly ILookup<string?, OtlpSpan> _byParent = all.ToLookup(span => span.ParentSpanId);

        public IReadOnlyList<OtlpSpan> All => all;

        /// <summary>For a timeout's message: what arrived, and how many workers' spans have no parent among it.</summary>
        public override string ToString() =>
            $"{all.Count} spans; {all.Count(span => span.Name.StartsWith("chat process", StringComparison.Ordinal))} 'chat process' spans, " +
            $"{all.Count(span => span.Name.StartsWith("chat process", StringComparison.Ordinal) && (span.ParentSpanId is null || !_byId.ContainsKey(span.ParentSpanId)))} of them without their parent";

        public OtlpSpan One(string name, string message) =>
            Assert.Single(all, span => span.Name == name && span.Attributes.GetValueOrDefault("chat.message.id") == message);

        public OtlpSpan Parent(OtlpSpan span)
        {
            Assert.NotNull(span.ParentSpanId);
            Assert.True(_byId.TryGetValue(span.ParentSpanId, out var parent), $"the parent of {span} was not exported");
            Assert.Equal(span.TraceId, parent.TraceId);
            return parent;
        }

        public IEnumerable<OtlpSpan> Children(OtlpSpan span, string name) =>
            _byParent[span.SpanId].Where(child => child.Name == name && child.TraceId == span.TraceId);

        public OtlpSpan Child(OtlpSpan span, string name) => Assert.Single(Children(span, name));

        /// <summary>Whether the message's trace has arrived from the frontend's request down to the backend's HTTP request.</summary>
        public bool HasWholeTrace(string message)
        {
            var process = all.Where(span => span.Attributes.GetValueOrDefault("chat.message.id") == message && span.Name.StartsWith("chat process", StringComparison.Ordinal));
            var submit = all.Where(span => span.Attributes.GetValueOrDefault("chat.message.id") == message && span.Name == "chat submit");
            return process.Any(span => Ancestors(span).Any(ancestor => ancestor.Name == "chat submit")
                    && Children(span, $"chat {Model}").Any(call => Children(call, "POST").Any())
                    && Children(span, "IChatResultGrain/Complete").Any(call => Children(call, "IChatResultGrain/Complete").Any()))
                && submit.Any(span => Ancestors(span).Any(ancestor => ancestor.Name == "POST /chat/"));
        }

        private IEnumerable<OtlpSpan> Ancestors(OtlpSpan span)
        {
            while (span.ParentSpanId is { } parent && _byId.TryGetValue(parent, out var next))
            {
                yield return span = next;
            }
        }
    }
}
