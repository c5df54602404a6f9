using Orleans.Runtime;
using Orleans.Streams;

namespace Grains.Streams;

/// <summary>
/// Tells the work stream's provider that a delivered entry is spent. Registered by the host only when the provider
/// keeps entries until told (durable mode); memory streams forget an entry once it is delivered.
/// </summary>
public interface IWorkStreamAcknowledger
{
    /// <param name="stream">The partition stream the work was delivered on.</param>
    /// <param name="token">The token delivered with the work.</param>
    Task AcknowledgeAsync(StreamId stream, StreamSequenceToken? token);

    /// <summary>
    /// The stream entry a token was delivered for: an entry left unacknowledged past the lease is delivered again, to
    /// this silo too, and a worker still holding it must know the second delivery for the same entry.
    /// </summary>
    string? EntryOf(StreamSequenceToken? token);
}
