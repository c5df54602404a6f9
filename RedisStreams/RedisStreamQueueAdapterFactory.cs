using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;
using StackExchange.Redis;

namespace RedisStreams;

/// <summary>
/// Orleans persistent streams over Redis Streams: one Redis stream per queue, read through one consumer group in
/// which every silo is a consumer. Orleans' pulling agents spread the queues over the silos and move them when a
/// silo leaves; entries a dead silo read but never acknowledged are claimed by the queue's next reader after the
/// visibility timeout.
/// </summary>
public sealed partial class RedisStreamQueueAdapterFactory : IQueueAdapterFactory, IRedisStreamAcknowledger, IAsyncDisposable
{
    private readonly string _name;
    private readonly RedisStreamOptions _options;
    private readonly string _serviceId;
    private readonly string _consumer;
    private readonly Serializer<RedisStreamBatchContainer> _serializer;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly HashRingBasedStreamQueueMapper _queues;
    private readonly SimpleQueueAdapterCache _cache;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public RedisStreamQueueAdapterFactory(
        string name,
        RedisStreamOptions options,
        HashRingStreamQueueMapperOptions queueOptions,
        SimpleQueueCacheOptions cacheOptions,
        string serviceId,
        string consumer,
        Serializer<RedisStreamBatchContainer> serializer,
        ILoggerFactory loggers)
    {
        _name = name;
        _options = options;
        _serviceId = serviceId;
        _consumer = consumer;
        _serializer = serializer;
        _loggers = loggers;
        _logger = loggers.CreateLogger<RedisStreamQueueAdapterFactory>();
        _queues = new HashRingBasedStreamQueueMapper(queueOptions, name);
        _cache = new SimpleQueueAdapterCache(cacheOptions, name, loggers);
    }

    /// <summary>Builds the factory of the named provider from the silo's services; the silo is the consumer.</summary>
    public static RedisStreamQueueAdapterFactory Create(IServiceProvider services, string name)
    {
        var options = services.GetOptionsByName<RedisStreamOptions>(name);
        var validation = new RedisStreamOptionsValidator().Validate(name, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(name, typeof(RedisStreamOptions), validation.Failures);
        }

        return new RedisStreamQueueAdapterFactory(
            name,
            options,
            services.GetOptionsByName<HashRingStreamQueueMapperOptions>(name),
            services.GetOptionsByName<SimpleQueueCacheOptions>(name),
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString(),
            services.GetRequiredService<Serializer<RedisStreamBatchContainer>>(),
            services.GetRequiredService<ILoggerFactory>());
    }

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync();
        return new RedisStreamQueueAdapter(_name, connection, _queues, KeyOf, _serializer, queue => CreateReceiver(queue, connection));
    }

    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _queues;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());

    public async Task AcknowledgeAsync(StreamId streamId, StreamSequenceToken? token)
    {
        if (token is not RedisStreamSequenceToken redisToken)
        {
            return;
        }

        var connection = await ConnectAsync();
        var key = KeyOf(_queues.GetQueueForStream(streamId));
        await RedisStreamReceiver.AcknowledgeAsync(connection.GetDatabase(), key, _options.ConsumerGroup, [redisToken.EntryId]);
    }

    private IQueueAdapterReceiver CreateReceiver(QueueId queueId, ConnectionMultiplexer connection) =>
        new RedisStreamReceiver(
            connection.GetDatabase(), connection.GetSubscriber(), KeyOf(queueId), _options, _consumer, _serializer, TimeProvider.System,
            _loggers.CreateLogger($"{typeof(RedisStreamReceiver).FullName}.{_name}.{queueId.GetNumericId()}"));

    /// <summary>The Redis key of a queue, e.g. <c>orleans-streams:chat-service:chat:3</c>.</summary>
    public RedisKey KeyOf(QueueId queueId) =>
        string.Create(CultureInfo.InvariantCulture, $"{_options.KeyPrefix}:{_serviceId}:{_name}:{queueId.GetNumericId()}");

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private async ValueTask<ConnectionMultiplexer> ConnectAsync()
    {
        if (_connection is { } connected)
        {
            return connected;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_connection is null)
            {
                var configuration = ConfigurationOptions.Parse(_options.ConnectionString);
                // Keep retrying in the background rather than failing the silo over a Redis restart.
                configuration.AbortOnConnectFail = false;
                _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
                // The parsed form prints without the password; the connection string as given may hold one.
                LogConnected(_logger, _name, configuration.ToString(includePassword: false));
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream provider {Provider} uses Redis Streams at {Redis}")]
    private static partial void LogConnected(ILogger logger, string provider, string redis);
}
