using Chat.Configuration;
using Grains.Backends;
using Grains.Interfaces;
using Grains.Load;
using Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Grains.Conversations;

/// <summary>
/// A conversation: the order of its messages and their outcomes. Each message is a result grain accepted as held
/// unless nothing before it is unfinished; when one ends, its result grain tells this grain (a durable effect), which
/// records the outcome and releases the next. The first unfinished message is also checked on activation and on a
/// timer while one is unfinished, so a lost notice, a lost release or a silo lost between two steps only delays it.
/// </summary>
public sealed partial class ConversationGrain(
    [PersistentState("conversation", ChatStorage.Results)] IPersistentState<ConversationState> state,
    BackendCatalog backends,
    BacklogGate backlog,
    TimeProvider clock,
    Retention.ResultRetention retention,
    IOptions<ChatOptions> chatOptions,
    IOptions<StreamingOptions> streamingOptions,
    IOptions<ConversationOptions> options,
    ILogger<ConversationGrain> logger) : Grain, IConversationGrain
{
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(5);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IGrainTimer? _check;
    private bool _deleting;

    private string Id => this.GetPrimaryKeyString();

    private bool Exists => state.RecordExists && !_deleting && !Expired;

    private List<ConversationEntry> Messages => state.State.Messages;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && state.State.Deleting)
        {
            await FinishDeleteAsync();
            return;
        }

        await CheckAsync();
    }

    public async ValueTask<ConversationView> Create(string? backend, string? system)
    {
        await ForgetIfExpiredAsync();
        if (!state.RecordExists)
        {
            if (system is not null && ChatRules.CheckMessage(system, chatOptions.Value.MaxMessageLength) is { } problem)
            {
                throw new ChatValidationException($"The system prompt is not valid: {problem}");
            }

            var definition = backends.Find(backend) ?? throw new UnknownBackendException(backend!, backends.Names);
            state.State = new ConversationState { Backend = definition.Name, System = system };
            await WriteAsync();
        }

        return (await Get())!;
    }

    public async ValueTask<ConversationView?> Get()
    {
        if (!Exists)
        {
            return null;
        }

        // Result grains answer Get interleaved, so asking one that is telling this grain something never deadlocks.
        var entries = await Task.WhenAll(Messages.Select(async entry =>
            entry.IsTerminal || await Result(entry.Id).Get() is not { } live ? entry : EntryOf(live)));
        return new ConversationView(Id, state.State.Backend, state.State.System, entries);
    }

    public async ValueTask<SubmitOutcome?> Post(ChatSubmission submission)
    {
        if (!TenantKeys.IsValid(submission.Id) || TenantKeys.TenantOf(submission.Id) != TenantKeys.TenantOf(Id))
        {
            throw new ChatValidationException(ChatRules.CheckIdMessage(submission.Id));
        }

        if (ChatRules.CheckMessage(submission.Message, chatOptions.Value.MaxMessageLength) is { } problem)
        {
            throw new ChatValidationException(problem);
        }

        if (!Exists)
        {
            return null;
        }

        var index = Messages.FindIndex(entry => entry.Id == submission.Id);
        if (index >= 0 && !string.Equals(Messages[index].Message, submission.Message, StringComparison.Ordinal))
        {
            return new SubmitOutcome(SubmitStatus.Conflict, null, TimeSpan.Zero);
        }

        if (index < 0)
        {
            if (backlog.IsFull(out var retryAfter))
            {
                return new SubmitOutcome(SubmitStatus.Busy, null, retryAfter);
            }

            // Stored before the result grain exists: if this silo dies in between, the check finds the entry
            // without its message and accepts it then.
            Messages.Add(new ConversationEntry(submission.Id, submission.Message, ChatStatus.Queued, null, clock.GetUtcNow(), null, submission.CallbackUrl));
            index = Messages.Count - 1;
            await WriteAsync();
        }

        var held = Messages.Take(index).Any(entry => !entry.IsTerminal);
        var outcome = await AcceptAsync(Messages[index], submission.Request, held);
        if (outcome.Status == SubmitStatus.Conflict)
        {
            // The id holds a message of its own elsewhere: this conversation never had it.
            Messages.RemoveAll(entry => entry.Id == submission.Id);
            await WriteAsync();
        }

        Changed();
        return outcome;
    }

    public ValueTask<ConversationTurn[]> History(string messageId)
    {
        var index = Exists ? Messages.FindIndex(entry => entry.Id == messageId) : -1;
        return ValueTask.FromResult(index < 0
            ? []
            : ConversationHistory.Before(state.State.System, Messages.Take(index), options.Value.MaxHistoryMessages));
    }

    public async ValueTask MessageEnded(ChatResult result)
    {
        if (!Exists)
        {
            // Forgotten (or being forgotten): nothing to record or release.
            return;
        }

        await RecordAsync(result);
        await AdvanceAsync();
    }

    public async ValueTask<string[]?> WaitForMessages(int known, TimeSpan wait)
    {
        if (Exists && Messages.Count <= known)
        {
            try
            {
                await _changed.Task.WaitAsync(wait);
            }
            catch (TimeoutException)
            {
                // Nothing new: the caller asks again.
            }
        }

        return Exists ? [.. Messages.Select(entry => entry.Id)] : null;
    }
}
