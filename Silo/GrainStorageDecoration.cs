using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Silo;

public static class GrainStorageDecoration
{
    /// <summary>
    /// Replaces the grain storage registered under <paramref name="name"/> with <paramref name="decorate"/> of it,
    /// keeping one registration, so whatever resolves (or wraps) the named storage gets the decorated one.
    /// </summary>
    public static void DecorateGrainStorage(this IServiceCollection services, string name, Func<IServiceProvider, IGrainStorage, IGrainStorage> decorate)
    {
        var registered = services.Single(service =>
            service.ServiceType == typeof(IGrainStorage) && service.IsKeyedService && Equals(service.ServiceKey, name));
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (provider, key) =>
            decorate(provider, (IGrainStorage)registered.KeyedImplementationFactory!(provider, key)));
    }
}
