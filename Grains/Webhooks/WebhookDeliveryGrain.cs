using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Chat.Configuration;
using Grains.Interfaces;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Grains.Webhooks;

/// <summary>
/// Delivers one finished message's outcome to one target at least once, off the message's own path: the result grain
/// only waits for the delivery to be stored. Attempts run on a grain timer, each failure waits its backoff, and the
/// attempt count is stored after each, so a silo's death costs at most a repeat of the attempt it was making. A
/// reminder, which the cluster keeps in its reminder table, wakes the grain on a live silo while it has work left.
/// </summary>
[CollectionAgeLimit(Minutes = 2)]
public sealed partial class WebhookDeliveryGrain(
    [PersistentState("webhook", ChatStorage.Results)] IPersistentState<WebhookDeliveryState> state,
    IOptions<WebhooksOptions> options,
    WebhookSender sender,
    WebhookMetrics metrics,
    TimeProvider clock,
    ILogger<WebhookDeliveryGrain> logger) : Grain, IWebhookDeliveryGrain, IRemindable
{
    private const string ReminderName = "webhook-delivery";

    /// <summary>How soon an attempt whose outcome could not be stored is followed by another.</summary>
    private static readonly TimeSpan StoreRetryDelay = TimeSpan.FromSeconds(5);

    private readonly WebhookSchedule _schedule = new(options.Value.MaxAttempts, options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
    private IGrainTimer? _timer;
    private IGrainReminder? _reminder;

    // The target has its outcome and the record is gone: a repeated notice must not start over.
    private bool _finished;

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists)
        {
            ScheduleNext();
        }

        return Task.CompletedTask;
    }

    public async ValueTask Deliver(WebhookNotice notice)
    {
        if (_finished)
        {
            return;
        }

        // Both before answering: stored, the delivery survives this activation; reminded, it survives this silo. A
        // notice repeated because one of them failed completes the other.
        await Task.WhenAll(state.RecordExists ? Task.CompletedTask : StoreNewAsync(notice), _reminder is null ? RemindAsync() : Task.CompletedTask);
        ScheduleNext();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!state.RecordExists)
        {
            // Delivered or given up (or the reminder outlived a record that was never stored).
            await ForgetReminderAsync();
            return;
        }

        ScheduleNext();
    }

    private Task StoreNewAsync(WebhookNotice notice)
    {
        var result = notice.Result;
        state.State = new WebhookDeliveryState
        {
            Body = JsonSerializer.Serialize(ResultResponse.From(result), ResultJsonContext.Default.ResultResponse),
            Event = WebhookTarget.EventOf(result.Status),
            // One id for the outcome, whichever target receives it: from the key's "message@version" part.
            DeliveryId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key[..Key.IndexOf('/')])))[..32],
            Target = new WebhookTarget(notice.Subscriber, notice.Subscriber is null ? notice.CallbackUrl : null, 0, clock.GetUtcNow()),
        };
        return state.WriteStateAsync();
    }

    private async Task RemindAsync() => _reminder = await this.RegisterOrUpdateReminder(ReminderName, options.Value.RecoveryPeriod, options.Value.RecoveryPeriod);

    private void ScheduleNext()
    {
        var due = state.State.Target.NextAttemptAt - clock.GetUtcNow();
        ScheduleIn(due < TimeSpan.Zero ? TimeSpan.Zero : due);
    }

    private void ScheduleIn(TimeSpan due)
    {
        // Its ticks keep the grain alive between attempts; one collected during a long backoff is woken by the reminder.
        _timer ??= this.RegisterGrainTimer(AttemptAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private async Task AttemptAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists)
        {
            return;
        }

        if (state.State.Target.NextAttemptAt > clock.GetUtcNow())
        {
            // The timer runs on its own clock and may fire a little before the wall clock reaches the time.
            ScheduleNext();
            return;
        }

        var delivery = state.State;
        var error = await sender.SendAsync(delivery.DeliveryId, delivery, delivery.Target, cancellationToken);
        var (verdict, target) = _schedule.After(delivery.Target, error, clock.GetUtcNow(), Random.Shared.NextDouble());
        metrics.Record(verdict, target);
        if (verdict == WebhookVerdict.Retry)
        {
            LogRetrying(logger, target.Name, Key, target.Attempts, target.LastError);
        }
        else if (verdict == WebhookVerdict.GiveUp)
        {
            LogGivenUp(logger, target.Name, Key, target.Attempts, target.LastError);
        }

        try
        {
            await StoreAsync(verdict, target);
        }
        catch (Exception exception)
        {
            // An attempt whose outcome was not stored is made again (at least once); the reminder covers this activation.
            LogStoreFailed(logger, exception, Key);
            ScheduleIn(StoreRetryDelay);
        }
    }

    private async Task StoreAsync(WebhookVerdict verdict, WebhookTarget target)
    {
        if (verdict == WebhookVerdict.Retry)
        {
            state.State.Target = target;
            await state.WriteStateAsync();
            ScheduleNext();
            return;
        }

        await state.ClearStateAsync();
        _finished = true;
        _timer?.Dispose();
        _timer = null;
        await ForgetReminderAsync();
        DeactivateOnIdle();
    }

    private async Task ForgetReminderAsync()
    {
        if ((_reminder ?? await this.GetReminder(ReminderName)) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _reminder = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {Target} for {Key} failed attempt {Attempts} ({Error}); retrying")]
    private static partial void LogRetrying(ILogger logger, string target, string key, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up the webhook {Target} for {Key} after {Attempts} attempts; the last: {Error}")]
    private static partial void LogGivenUp(ILogger logger, string target, string key, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store the webhook delivery {Key}; trying again")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string key);
}
