using System.Text;

namespace Chat.Tests.Infrastructure;

/// <summary>One span as an OTLP trace export carries it, with its resource's service name and instance.</summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    string Service,
    string? ServiceInstance,
    IReadOnlyDictionary<string, string> Attributes)
{
    public const int Internal = 1;
    public const int Server = 2;
    public const int Client = 3;
    public const int Consumer = 5;

    public override string ToString() => $"{Name} [{Service} {ServiceInstance}] {SpanId} <- {ParentSpanId ?? "root"}";
}

/// <summary>
/// Reads the spans out of an OTLP/HTTP protobuf trace export (ExportTraceServiceRequest, from
/// opentelemetry-proto's trace/v1/trace.proto): just the fields the tests look at, every other field skipped.
/// String-valued attributes only; others are left out.
/// </summary>
public static class OtlpSpans
{
    public static IEnumerable<OtlpSpan> Read(byte[] export)
    {
        // ExportTraceServiceRequest: 1 resource_spans.
        foreach (var (field, resourceSpans) in Fields(export))
        {
            if (field != 1)
            {
                continue;
            }

            // ResourceSpans: 1 resource, 2 scope_spans.
            IReadOnlyDictionary<string, string> resource = new Dictionary<string, string>();
            var scopes = new List<byte[]>();
            foreach (var (inner, value) in Fields(resourceSpans))
            {
                if (inner == 1)
                {
                    // Resource: 1 attributes.
                    resource = Attributes(Fields(value).Where(f => f.Field == 1).Select(f => f.Value));
                }
                else if (inner == 2)
                {
                    scopes.Add(value);
                }
            }

            // ScopeSpans: 2 spans.
            foreach (var span in scopes.SelectMany(scope => Fields(scope).Where(f => f.Field == 2).Select(f => f.Value)))
            {
                yield return Span(span, resource);
            }
        }
    }

    private static OtlpSpan Span(byte[] span, IReadOnlyDictionary<string, string> resource)
    {
        // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes.
        string traceId = "", spanId = "", name = "";
        string? parent = null;
        var kind = 0;
        var attributes = new List<byte[]>();
        var reader = new Reader(span);
        while (reader.More)
        {
            var (field, wire) = reader.Tag();
            if (field == 6 && wire == 0)
            {
                kind = (int)reader.Varint();
                continue;
            }

            if (wire != 2)
            {
                reader.Skip(wire);
                continue;
            }

            var value = reader.Bytes();
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = value.Length == 0 ? null : Convert.ToHexStringLower(value); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 9: attributes.Add(value); break;
            }
        }

        return new OtlpSpan(
            traceId, spanId, parent, name, kind,
            resource.GetValueOrDefault("service.name", ""), resource.GetValueOrDefault("service.instance.id"), Attributes(attributes));
    }

    /// <summary>KeyValue: 1 key, 2 value (AnyValue: 1 string_value).</summary>
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in keyValues)
        {
            string? key = null, text = null;
            foreach (var (field, value) in Fields(keyValue))
            {
                if (field == 1)
                {
                    key = Encoding.UTF8.GetString(value);
                }
                else if (field == 2)
                {
                    text = Fields(value).Where(f => f.Field == 1).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault();
                }
            }

            if (key is not null && text is not null)
            {
                attributes[key] = text;
            }
        }

        return attributes;
    }

    /// <summary>The length-delimited fields of a message, in order; fields of other wire types are skipped.</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var reader = new Reader(message);
        while (reader.More)
        {
            var (field, wire) = reader.Tag();
            if (wire == 2)
            {
                fields.Add((field, reader.Bytes()));
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return fields;
    }

    private sealed class Reader(byte[] buffer)
    {
        private int _position;

        public bool More => _position < buffer.Length;

        public (int Field, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = buffer[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            var value = buffer.AsSpan(_position, length).ToArray();
            _position += length;
            return value;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 5: _position += 4; break;
                default: throw new InvalidDataException($"Unexpected protobuf wire type {wire} at {_position}.");
            }
        }
    }
}
