using Grains.Options;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Grains.Processing;

public static class ProcessorServiceCollectionExtensions
{
    /// <summary>Registers the configured processor as the silo's <see cref="IChatClient"/>.</summary>
    public static IServiceCollection AddChatProcessor(this IServiceCollection services)
    {
        services.AddChatClient(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ProcessingOptions>>().Value;
            return options.Processor switch
            {
                "echo" => new EchoChatClient(),
                var other => throw new OptionsValidationException(
                    ProcessingOptions.Section, typeof(ProcessingOptions), [$"Unknown processor '{other}'."]),
            };
        }).Use((inner, provider) =>
        {
            var delay = provider.GetRequiredService<IOptions<ProcessingOptions>>().Value.DelayMs;
            return delay > 0 ? new SimulatedLatencyChatClient(inner, TimeSpan.FromMilliseconds(delay)) : inner;
        });
        return services;
    }
}
