namespace Grains.Interfaces;

/// <summary>
/// The cluster's entry point for new messages. Stateless: any activation may take any call. Callers pick a
/// key at random per call (<see cref="AnyKey"/>): an Orleans client sends every call for one grain through
/// the same gateway, so one fixed key would funnel all submissions through one silo, and keep retrying
/// into a silo that is stopping.
/// </summary>
[Alias("IChatDispatcherGrain")]
public interface IChatDispatcherGrain : IGrainWithIntegerKey
{
    public const int Keys = 64;

    public static long AnyKey() => Random.Shared.Next(Keys);

    /// <summary>
    /// Validates the message, stores it as queued and hands it to the work stream.
    /// Throws <see cref="ChatValidationException"/> for an invalid id or message.
    /// </summary>
    [Alias("Submit")]
    ValueTask<SubmitOutcome> Submit(ChatSubmission submission);
}
