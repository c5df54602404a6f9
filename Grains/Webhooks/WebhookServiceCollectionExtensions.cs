using System.Net.Sockets;
using Chat.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Grains.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// The webhook deliveries' options, metrics and HTTP clients. The silo must also run a reminder service, which
    /// wakes deliveries left pending by a silo that died.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        WebhooksOptions.Add(services);
        services.AddOptions<ReminderOptions>().Configure<IOptions<WebhooksOptions>>((reminders, webhooks) =>
            reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(reminders.MinimumReminderPeriod.Ticks, webhooks.Value.RecoveryPeriod.Ticks)));
        services.AddSingleton<CallbackAddresses>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookHandOver>();
        // Each attempt has its own time limit (Webhooks:Timeout), which may exceed HttpClient's default 100 s.
        services.AddHttpClient(WebhookSender.SubscriberClient)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHttpClient(WebhookSender.CallbackClient)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                // A proxy would be connected to instead of the callback's host, and the check below would see only it.
                UseProxy = false,
                ConnectCallback = ConnectCheckedAsync(provider.GetRequiredService<CallbackAddresses>()),
            });
        return services;
    }

    /// <summary>
    /// Connects a callback only to the addresses its host may have now: the name is resolved again here, so a name
    /// that resolved to a public address at submission and to an internal one since (DNS rebinding) is refused.
    /// </summary>
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCheckedAsync(CallbackAddresses addresses) =>
        async (context, cancellationToken) =>
        {
            var allowed = await addresses.AddressesToConnectAsync(context.DnsEndPoint.Host, cancellationToken);
            if (allowed.Length == 0)
            {
                throw new HttpRequestException(
                    $"The callback host '{context.DnsEndPoint.Host}' resolves only to loopback, private or link-local addresses, which Webhooks:AllowedHosts does not name.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
