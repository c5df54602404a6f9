using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Grains;
using Grains.Interfaces;
using Grains.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Chat.Tests;

/// <summary>
/// A cluster whose calls can be made to fail on purpose (<see cref="InjectedFaults"/>), in the frontend's client
/// and in the silos. One attempt per message, so a failing message is failed at once.
/// </summary>
public sealed class InjectedFaultsFixture : ChatClusterFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Test:Processor"] = "scripted",
        ["Test:InjectedFaults"] = "on",
        ["Processing:MaxAttempts"] = "1",
        ["Processing:TimeoutSeconds"] = "30",
        ["Cluster:RetryWindowSeconds"] = "2",
    };

    protected override void ConfigureFrontendServices(IServiceCollection services) =>
        services.AddSingleton<IOutgoingGrainCallFilter, InjectedFaults>();
}

/// <summary>The test classes that inject faults share one such cluster, started once.</summary>
[CollectionDefinition(Name)]
public sealed class InjectedFaultsCollection : ICollectionFixture<InjectedFaultsFixture>
{
    public const string Name = "three-silo cluster with injected faults";
}

/// <summary>
/// Every call the frontend may repeat gives the client the answer the first call would have given. Each test makes
/// the cluster call run twice: the first runs, its reply is lost (a timeout, which the frontend retries).
/// </summary>
[Collection(InjectedFaultsCollection.Name)]
public sealed class RepeatedCallTests(InjectedFaultsFixture fixture)
{
    private static TimeoutException LostReply() => new("The reply was lost (injected by the test).");

    [Fact]
    public async Task A_cancel_whose_reply_was_lost_answers_200_with_the_cancelled_state()
    {
        var id = NewId();
        using (var submitted = await fixture.Api.Submit($"hang {id}", id))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        var fired = InjectedFaults.Fired;
        InjectedFaults.LoseNextReply<IChatResultGrain>(nameof(IChatResultGrain.Cancel), LostReply);
        using var cancelled = await fixture.Http.DeleteAsync($"/chat/{id}");

        Assert.Equal(fired + 1, InjectedFaults.Fired);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await ChatApi.Json(cancelled)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_call_cancelled_in_the_cluster_is_tried_again_not_answered_500()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"echo {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "completed");
        var fired = InjectedFaults.Fired;
        // What a silo sends back when the activation a call waited for was cancelled.
        InjectedFaults.FailNextCall<IChatResultGrain>(nameof(IChatResultGrain.Get), () => new TaskCanceledException("injected: activation cancelled"));
        using var read = await fixture.Http.GetAsync($"/result/{id}");

        Assert.Equal(fired + 1, InjectedFaults.Fired);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("completed", (await ChatApi.Json(read)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_conversation_delete_whose_reply_was_lost_answers_204_and_a_new_delete_404()
    {
        string conversation;
        using (var created = await fixture.Http.PostAsJsonAsync("/conversations", new { system = "be brief" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            conversation = (await ChatApi.Json(created)).GetProperty("id").GetString()!;
        }

        var message = NewId();
        using (var posted = await fixture.Http.PostAsJsonAsync($"/conversations/{conversation}/messages", new { message = $"hang {message}", id = message }))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var fired = InjectedFaults.Fired;
        InjectedFaults.LoseNextReply<IConversationGrain>(nameof(IConversationGrain.Delete), LostReply);
        using (var deleted = await fixture.Http.DeleteAsync($"/conversations/{conversation}"))
        {
            Assert.Equal(fired + 1, InjectedFaults.Fired);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal("cancelled", (await fixture.Api.Result(message)).GetProperty("status").GetString());
        using (var read = await fixture.Http.GetAsync($"/conversations/{conversation}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        }

        // Another request is not a repeat: the conversation is gone.
        using var again = await fixture.Http.DeleteAsync($"/conversations/{conversation}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_cancel_of_a_completed_message_still_answers_409()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"echo {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "completed");
        InjectedFaults.LoseNextReply<IChatResultGrain>(nameof(IChatResultGrain.Cancel), LostReply);
        using var refused = await fixture.Http.DeleteAsync($"/chat/{id}");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("completed", (await fixture.Api.Result(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_retry_whose_reply_was_lost_answers_202_and_runs_the_message_once_more()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"fail-1 {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "failed");
        var fired = InjectedFaults.Fired;
        InjectedFaults.LoseNextReply<IChatResultGrain>(nameof(IChatResultGrain.Retry), LostReply);
        using var retried = await fixture.Http.PostAsync($"/result/{id}/retry", null);

        Assert.Equal(fired + 1, InjectedFaults.Fired);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        // The message's state when the repeat was answered: re-queued by the first call, so no longer failed.
        var body = await ChatApi.Json(retried);
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Contains(body.GetProperty("status").GetString(), new[] { "queued", "processing", "completed" });
        var completed = await fixture.Api.WaitForStatus(id, "completed");
        Assert.Equal(2, completed.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_retry_repeated_after_its_message_failed_again_does_not_retry_it_twice()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"fail-2 {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "failed");
        var grain = fixture.Cluster.Client.GetGrain<IChatResultGrain>(id);
        var request = Guid.NewGuid();
        var first = await grain.Retry(request);
        Assert.Equal((true, ChatStatus.Queued), (first.Retried, first.Result!.Status));

        // The retried attempt fails too; the same request arriving late is answered as the first was, and nothing runs.
        await fixture.Api.WaitForStatus(id, "failed");
        var repeated = await grain.Retry(request);
        Assert.Equal((true, ChatStatus.Failed, 2), (repeated.Retried, repeated.Result!.Status, repeated.Result.Attempts));

        // A new request is a new retry.
        var next = await grain.Retry(Guid.NewGuid());
        Assert.Equal((true, ChatStatus.Queued), (next.Retried, next.Result!.Status));
        Assert.Equal(3, (await fixture.Api.WaitForStatus(id, "completed")).GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_retry_of_a_message_that_completed_answers_409()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"echo {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "completed");
        InjectedFaults.LoseNextReply<IChatResultGrain>(nameof(IChatResultGrain.Retry), LostReply);
        using var refused = await fixture.Http.PostAsync($"/result/{id}/retry", null);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(1, (await fixture.Api.Result(id)).GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_submission_whose_reply_was_lost_is_accepted_once()
    {
        var id = NewId();
        var fired = InjectedFaults.Fired;
        InjectedFaults.LoseNextReply<IChatDispatcherGrain>(nameof(IChatDispatcherGrain.Submit), LostReply);
        using var submitted = await fixture.Api.Submit($"echo {id}", id);

        Assert.Equal(fired + 1, InjectedFaults.Fired);
        // The first call stored it; the repeat is the same request, so it gets the first answer, 202, not 200.
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(1, (await fixture.Api.WaitForStatus(id, "completed")).GetProperty("attempts").GetInt32());

        // The client sending it again is a new request for an existing message: 200 with it, as documented.
        using var resubmitted = await fixture.Api.Submit($"echo {id}", id);
        Assert.Equal(HttpStatusCode.OK, resubmitted.StatusCode);
    }

    [Fact]
    public async Task Effects_stored_with_a_retry_are_carried_out_even_when_the_first_try_fails()
    {
        var id = NewId();
        using (await fixture.Api.Submit($"fail-1 {id}", id))
        {
        }

        await fixture.Api.WaitForStatus(id, "failed");
        // Between storing "queued" and publishing, the dead-letter index cannot be reached: the call fails, the
        // stored outbox stays, and the grain carries it out on its own shortly after, without another call.
        var fired = InjectedFaults.Fired;
        InjectedFaults.FailNextCall<IDeadLetterGrain>(nameof(IDeadLetterGrain.Remove), () => new InvalidOperationException("Dead letters unreachable (injected)."));
        var grain = fixture.Cluster.Client.GetGrain<IChatResultGrain>(id);
        await Assert.ThrowsAnyAsync<Exception>(() => grain.Retry(Guid.NewGuid()).AsTask());
        Assert.Equal(fired + 1, InjectedFaults.Fired);

        var completed = await fixture.Api.WaitForStatus(id, "completed");
        Assert.Equal(2, completed.GetProperty("attempts").GetInt32());
        var failedPage = await fixture.Cluster.Client.GetGrain<IDeadLetterGrain>(0).List(0, 1000);
        Assert.DoesNotContain(id, failedPage.Ids);
    }

    [Fact]
    public async Task A_message_stored_with_its_publish_pending_is_published_by_its_next_activation()
    {
        // What a silo that died between storing an accepted message and publishing it leaves: the state and its
        // outbox, and no stream entry. Nothing but a read reaches the grain after that.
        var id = NewId();
        var silo = ((InProcessSiloHandle)fixture.Cluster.Silos[0]).SiloHost.Services;
        var accepted = MessageLifecycle.Apply(null, new Accept($"echo {id}", Guid.NewGuid(), DateTimeOffset.UtcNow), silo.GetRequiredService<LifecyclePolicy>());
        Assert.Equal(ChatStatus.Queued, accepted.State!.Status);
        Assert.False(accepted.State.Outbox.IsEmpty);
        var storage = silo.GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results);
        await storage.WriteStateAsync("result", fixture.Cluster.Client.GetGrain<IChatResultGrain>(id).GetGrainId(), new GrainState<ChatResultState>(ChatResultState.From(accepted.State)));

        var completed = await fixture.Api.WaitForStatus(id, "completed");
        Assert.Equal((1, $"echo {id}"), (completed.GetProperty("attempts").GetInt32(), completed.GetProperty("result").GetString()));
    }

    [Fact]
    public async Task With_the_backlog_full_a_repeated_submission_is_still_answered_as_the_first_and_a_new_one_stores_nothing()
    {
        var id = NewId();
        var grain = fixture.Cluster.Client.GetGrain<IChatResultGrain>(id);
        var request = Guid.NewGuid();

        ChatSubmission Submission(string message, Guid request, string backend = BackendNames.Echo) => new(id, message, request, backend);

        var busy = await grain.Accept(Submission($"echo {id}", request), 0, admitNew: false);
        Assert.Equal(SubmitStatus.Busy, busy.Status);
        Assert.Null(busy.Result);
        Assert.Null(await grain.Get());

        Assert.Equal(SubmitStatus.Accepted, (await grain.Accept(Submission($"echo {id}", request), 0)).Status);
        Assert.Equal(SubmitStatus.Accepted, (await grain.Accept(Submission($"echo {id}", request), 0, admitNew: false)).Status);
        Assert.Equal(SubmitStatus.Existing, (await grain.Accept(Submission($"echo {id}", Guid.NewGuid()), 0, admitNew: false)).Status);
        Assert.Equal(SubmitStatus.Conflict, (await grain.Accept(Submission("another message", Guid.NewGuid()), 0, admitNew: false)).Status);
        Assert.Equal(SubmitStatus.Conflict, (await grain.Accept(Submission($"echo {id}", Guid.NewGuid(), "other"), 0, admitNew: false)).Status);
    }

    [Fact]
    public async Task A_submission_the_cluster_never_confirms_answers_503_with_its_id_and_can_be_read_or_resubmitted()
    {
        // Every reply to the submission is lost, for longer than the frontend's retry window (2 s here).
        for (var i = 0; i < 200; i++)
        {
            InjectedFaults.LoseNextReply<IChatDispatcherGrain>(nameof(IChatDispatcherGrain.Submit), LostReply);
        }

        HttpResponseMessage unknown;
        try
        {
            unknown = await fixture.Api.Submit("echo a message whose client sent no id");
        }
        finally
        {
            InjectedFaults.Clear();
        }

        using (unknown)
        {
            var problem = await ChatApi.Json(unknown);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(unknown.Headers.RetryAfter);
            var id = problem.GetProperty("id").GetString()!;
            Assert.Equal($"/result/{id}", unknown.Headers.Location?.OriginalString);

            // It was stored (the calls ran; only their replies were lost): readable, and resubmitting stores nothing new.
            Assert.Equal(1, (await fixture.Api.WaitForStatus(id, "completed")).GetProperty("attempts").GetInt32());
            using var resubmitted = await fixture.Api.Submit("echo a message whose client sent no id", id);
            Assert.Equal(HttpStatusCode.OK, resubmitted.StatusCode);
        }
    }

    private static string NewId() => $"repeat-{Guid.NewGuid():N}";
}
