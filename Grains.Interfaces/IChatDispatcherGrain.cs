namespace Grains.Interfaces;

/// <summary>
/// The cluster's entry point for new messages. Stateless: any silo's activation may take any call,
/// so callers use key 0 and Orleans spreads activations where they are called from.
/// </summary>
[Alias("IChatDispatcherGrain")]
public interface IChatDispatcherGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Validates the message, stores it as queued and hands it to the work stream.
    /// Throws <see cref="ChatValidationException"/> for an invalid id or message.
    /// </summary>
    [Alias("Submit")]
    ValueTask<SubmitOutcome> Submit(ChatSubmission submission);
}
