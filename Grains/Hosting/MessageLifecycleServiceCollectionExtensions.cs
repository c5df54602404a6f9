using Chat.Configuration;
using Grains.Backends;
using Grains.Conversations;
using Grains.Lifecycle;
using Grains.Options;
using Grains.Results;
using Grains.Streams;
using Grains.Work;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Grains.Hosting;

public static class MessageLifecycleServiceCollectionExtensions
{
    /// <summary>What moves a message through its life: the lifecycle's policy, the result grains' effects, the attempt runner and the
    /// history it sends with a conversation's message.</summary>
    public static IServiceCollection AddMessageLifecycle(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ProcessingOptions>>().Value;
            return new LifecyclePolicy(
                options.MaxAttempts,
                TimeSpan.FromMilliseconds(options.RetryBaseDelayMs),
                TimeSpan.FromMilliseconds(options.RetryMaxDelayMs),
                options.MaxRateLimitedRetries)
            {
                Fallbacks = provider.GetRequiredService<BackendCatalog>().Fallbacks,
                Webhooks = provider.GetRequiredService<IOptions<WebhooksOptions>>().Value.Subscribers.Count > 0,
            };
        });
        services.AddSingleton<WorkStream>();
        services.AddSingleton<ResultEffects>();
        services.AddSingleton<AttemptLiveness>();
        services.AddSingleton<ConversationPrompts>();
        services.AddSingleton<AttemptRunner>();
        services.AddSingleton<WorkHandBack>();
        return services;
    }
}
