using System.Text;

namespace Grains.Backends;

/// <summary>
/// The body of a streamed answer (Ollama's NDJSON lines, OpenAI's server-sent events), passed through unchanged and
/// read line by line on the way: a line that holds only an error object, which servers send in place of (or after
/// some of) the reply once their 200 has gone, ends the read with <see cref="BackendErrorPayloadException"/>. The
/// clients would otherwise skip it and report an empty or cut reply without the backend's words.
/// </summary>
internal sealed class StreamedErrorScanner(Stream inner, int status) : Stream
{
    private const int MaxLine = 64 * 1024;
    private readonly MemoryStream _line = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Scan(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Scan(buffer.AsSpan(offset, read));
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Scan(ReadOnlySpan<byte> bytes)
    {
        while (bytes.IndexOf((byte)'\n') is var end and >= 0)
        {
            _line.Write(bytes[..end]);
            Check();
            bytes = bytes[(end + 1)..];
        }

        // A line too long to be an error object is not kept whole: only errors are looked for.
        if (_line.Length + bytes.Length <= MaxLine)
        {
            _line.Write(bytes);
        }
    }

    private void Check()
    {
        var line = _line.GetBuffer().AsSpan(0, (int)_line.Length).Trim("\r "u8);
        _line.SetLength(0);
        if (line.StartsWith("data:"u8))
        {
            line = line["data:".Length..].TrimStart(" "u8);
        }

        if (line.IndexOf("\"error\""u8) >= 0 && BackendErrorPayloadHandler.ErrorOf(line.ToArray()) is { } error)
        {
            throw new BackendErrorPayloadException(status, error);
        }
    }
}
