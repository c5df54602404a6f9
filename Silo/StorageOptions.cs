using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Silo;

/// <summary>Where grain state and the work stream live: in the silos' memory (volatile) or in Redis.</summary>
public enum StorageProvider
{
    Memory,
    Redis,
}

/// <summary>Section "Storage". Unset, the provider follows <c>Cluster:Provider</c>, so one setting moves the whole cluster.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    [EnumDataType(typeof(StorageProvider))]
    public StorageProvider? Provider { get; set; }
}

[OptionsValidator]
public sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
