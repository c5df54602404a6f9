using System.Text.RegularExpressions;
using Grains;
using Grains.DeadLetters;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;
using Orleans.Serialization;
using Orleans.Storage;

namespace Silo;

/// <summary>
/// How durable mode stores grain state in Redis: Orleans' binary format, which names no .NET type a reader would
/// look up and create, and reads only types the cluster's serializers allow. Orleans' default storage format (JSON with
/// <c>$type</c> names) would let anyone who can write to Redis choose what type the silo creates; records the cluster
/// wrote in it before are still read, through <see cref="LegacyStateTypes"/>, which resolves the few types that
/// format held here and refuses every other name.
/// </summary>
public sealed partial class StoredStateSerializer(Serializer serializer, IServiceProvider services) : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _binary = new(serializer);
    private readonly Lazy<JsonSerializerSettings> _legacy = new(() =>
    {
        var settings = OrleansJsonSerializerSettings.GetDefaultSerializerSettings(services);
        settings.SerializationBinder = new LegacyStateTypes();
        return settings;
    });

    public BinaryData Serialize<T>(T? input) => _binary.Serialize(input);

    public T? Deserialize<T>(BinaryData input)
    {
        if (!IsLegacyJson(input.ToMemory().Span))
        {
            return _binary.Deserialize<T>(input);
        }

        try
        {
            return JsonConvert.DeserializeObject<T>(input.ToString(), _legacy.Value);
        }
        catch (JsonSerializationException exception) when (exception.InnerException is RefusedTypeException refused)
        {
            // Json.NET wraps the refusal in "Error resolving type"; the storage provider reports only the outermost message.
            throw new RefusedTypeException(refused.Message);
        }
    }

    /// <summary>
    /// The JSON format wrote every record as an object starting with its <c>$id</c> or <c>$type</c>. Orleans' binary
    /// format starts a stored object with a tag-delimited field header, never the byte '{'.
    /// </summary>
    private static bool IsLegacyJson(ReadOnlySpan<byte> data) => data.StartsWith("{\"$"u8);

    /// <summary>
    /// Every type the JSON format stored here, by the name it wrote (assembly details left out); nothing else is
    /// resolved, so a planted <c>$type</c> fails before any object is created. The list is closed: nothing writes that
    /// format any more.
    /// </summary>
    private sealed partial class LegacyStateTypes : ISerializationBinder
    {
        private static readonly Dictionary<string, Type> Allowed = new Type[]
        {
            typeof(ChatResultState),
            typeof(DeadLetterState),
            typeof(DeadLetterDirectory),
            typeof(DeadLetterSegment),
            typeof(DeadLetter),
            typeof(List<long>),
            typeof(List<DeadLetter>),
        }.ToDictionary(type => WithoutAssemblyDetails(type.AssemblyQualifiedName!), StringComparer.Ordinal);

        public Type BindToType(string? assemblyName, string typeName)
        {
            var name = WithoutAssemblyDetails(assemblyName is null ? typeName : $"{typeName}, {assemblyName}");
            return Allowed.TryGetValue(name, out var type)
                ? type
                : throw new RefusedTypeException(
                    $"Refused a stored record that names the type '{name}': stored state holds only this cluster's own state " +
                    "types, so the record was not written by it. Nothing was created from it.");
        }

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName) =>
            throw new NotSupportedException("Stored state is written in Orleans' binary format, never as JSON.");

        private static string WithoutAssemblyDetails(string name) => AssemblyDetails().Replace(name, "");

        [GeneratedRegex(@",\s*(Version|Culture|PublicKeyToken)=[^,\]]*")]
        private static partial Regex AssemblyDetails();
    }

    /// <summary>A stored record named a type that is not one of this cluster's state types.</summary>
    private sealed class RefusedTypeException(string message) : Exception(message);
}
