using System.Net;
using Chat.Tests.Infrastructure;
using Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using Silo;
using StackExchange.Redis;

namespace Chat.Tests;

/// <summary>
/// Durable state in Redis names no .NET type: a record holds data only, so whoever can write to Redis cannot make a
/// silo create a type of their choosing. Records written in the earlier JSON format (with <c>$type</c>) still load;
/// one whose <c>$type</c> names any other type is refused before anything is created.
/// </summary>
public sealed class StoredStateTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Stored_results_carry_no_type_names_old_json_records_still_load_and_a_planted_type_is_refused()
    {
        var serviceId = $"chat-stored-{Guid.NewGuid():N}";
        var cluster = new RedisBackedCluster(_redis, serviceId);
        await cluster.InitializeAsync();
        try
        {
            var run = Guid.NewGuid().ToString("N");
            var (written, legacy, planted, after) = ($"written-{run}", $"legacy-{run}", $"planted-{run}", $"after-{run}");
            using (var response = await cluster.Api.Submit(ChatApiBatchExtensions.MessageFor(written), written))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }

            await cluster.Api.WaitForStatus(written, "completed");
            await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
            var db = redis.GetDatabase();
            var key = (string)redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"{serviceId}/state/*/{written}/*").Single()!;
            var record = (byte[])(await db.HashGetAsync(key, "data"))!;
            Assert.DoesNotContain("$type", System.Text.Encoding.UTF8.GetString(record), StringComparison.Ordinal);
            Assert.NotEqual((byte)'{', record[0]);

            // The same result as the earlier format wrote it (Orleans' default JSON storage serializer), under another id.
            var services = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services;
            var stored = new StoredStateSerializer(services.GetRequiredService<Serializer>(), services);
            var json = new JsonGrainStorageSerializer(services.GetRequiredService<OrleansJsonSerializer>());
            var state = stored.Deserialize<ChatResultState>(new BinaryData(record));
            var oldRecord = json.Serialize(state).ToString();
            Assert.Contains("\"$type\":\"Grains.ChatResultState, Grains\"", oldRecord, StringComparison.Ordinal);
            await db.HashSetAsync(key.Replace(written, legacy), [new("etag", "legacy"), new("data", oldRecord)]);
            var loaded = await cluster.Api.Result(legacy);
            Assert.Equal(
                ("completed", ChatApiBatchExtensions.MessageFor(written)),
                (loaded.GetProperty("status").GetString(), loaded.GetProperty("result").GetString()));

            // A record whose $type names a type of someone else's choosing, here one that counts its instances.
            var plantedRecord = $"{{\"$id\":\"1\",\"$type\":\"{typeof(Canary).FullName}, {typeof(Canary).Assembly.GetName().Name}\",\"Note\":\"planted\"}}";
            var plantedKey = key.Replace(written, planted);
            await db.HashSetAsync(plantedKey, [new("etag", "planted"), new("data", plantedRecord)]);
            var parts = plantedKey.Split('/');
            var storage = services.GetRequiredKeyedService<IGrainStorage>(ChatStorage.Results);
            var refused = await Record.ExceptionAsync(() => storage.ReadStateAsync(
                parts[^1], GrainId.Create(parts[^3], parts[^2]), new GrainState<ChatResultState>(new ChatResultState())));
            Assert.NotNull(refused);
            var refusal = $"Refused a stored record that names the type '{typeof(Canary).FullName}, {typeof(Canary).Assembly.GetName().Name}'";
            Assert.True(refused.Message.Contains(refusal, StringComparison.Ordinal), $"Expected \"{refusal}\" in:\n{refused}");
            Assert.Equal(0, Canary.Created);

            // Through the API the message cannot be read (a server error, not an outage to wait out), and the silos go
            // on serving everything else.
            using (var response = await cluster.Http.GetAsync($"/result/{planted}"))
            {
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                Assert.DoesNotContain(nameof(Canary), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.Equal(0, Canary.Created);
            await cluster.Api.SubmitAll([after]);
            await cluster.Api.WaitForAllCompleted([after]);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Stands for any type a writer to Redis might name; it counts every instance created.</summary>
    [GenerateSerializer]
    public sealed class Canary
    {
        public static int Created;

        public Canary() => Interlocked.Increment(ref Created);

        [Id(0)] public string? Note { get; set; }
    }
}
