namespace Grains.Conversations;

public sealed partial class ConversationGrain
{
    // The request that deleted this conversation, kept by the activation: the frontend repeats a call whose reply it
    // lost within seconds, and that repeat finds the conversation gone.
    private Guid _deletedBy;

    public async ValueTask<bool> Delete(Guid request)
    {
        if (!Exists)
        {
            // The same request again, its first reply lost: answered as the first time.
            return request != Guid.Empty && request == _deletedBy;
        }

        state.State.Deleting = true;
        await WriteAsync();
        await FinishDeleteAsync();
        _deletedBy = request;
        return true;
    }

    private async Task FinishDeleteAsync()
    {
        _deleting = true;
        // The held ones first (last to first), so none is released when the running one ends. Each cancelled message
        // tells this grain so, on this call chain: let that notice in, and it is ignored.
        using (RequestContext.AllowCallChainReentrancy())
        {
            foreach (var entry in Enumerable.Reverse(Messages).Where(entry => !entry.IsTerminal).ToArray())
            {
                await Result(entry.Id).Cancel();
            }
        }

        await state.ClearStateAsync();
        _deleting = false;
        StopChecking();
        Changed();
    }
}
