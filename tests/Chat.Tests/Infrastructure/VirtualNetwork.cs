using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Machines on a private LAN, made of Linux network namespaces: each host is a namespace of its own with one
/// interface and one address, all cabled to a bridge that lives in a namespace of its own too (so no firewall rule of
/// this machine sees their traffic). The test process is one more machine on that LAN, at .1, so it reaches the hosts
/// as a client on another machine would. Every name carries this process's PID and the subnet is one no route or
/// address of this machine overlaps; <see cref="DisposeAsync"/> removes exactly what was created, processes first.
/// Needs root and iproute2.
/// </summary>
public sealed partial class VirtualNetwork : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly string _subnet;
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, (string Namespace, IPAddress Address)> _hosts = [];
    private readonly List<(string Host, Process Process)> _processes = [];
    private string? _clientLink;

    private VirtualNetwork(string prefix, string subnet)
    {
        _prefix = prefix;
        _subnet = subnet;
    }

    private string Switch => $"{_prefix}-switch";

    /// <summary>Creates the switch and plugs the test process in at .1; fails with what is missing where it cannot.</summary>
    public static async Task<VirtualNetwork> CreateAsync()
    {
        await RequirePrerequisitesAsync();
        var network = new VirtualNetwork($"chat{Environment.ProcessId}", await FreeSubnetAsync());
        try
        {
            var sw = network.Switch;
            try
            {
                await network.AddNamespaceAsync(sw);
            }
            catch (InvalidOperationException exception)
            {
                throw new InvalidOperationException(
                    "This test builds a network of Linux network namespaces and could not create one (an unprivileged container " +
                    $"cannot; it needs CAP_SYS_ADMIN and CAP_NET_ADMIN): {exception.Message}", exception);
            }

            await Ip("-n", sw, "link", "add", "br0", "type", "bridge");
            await Ip("-n", sw, "link", "set", "br0", "up");
            // Interface names are at most 15 characters: "chat" + PID (up to 7 digits) + "c".
            network._clientLink = $"{network._prefix}c";
            await Ip("link", "add", network._clientLink, "type", "veth", "peer", "name", "client", "netns", sw);
            await Ip("-n", sw, "link", "set", "client", "master", "br0", "up");
            await Ip("addr", "add", $"{network._subnet}.1/24", "dev", network._clientLink);
            await Ip("link", "set", network._clientLink, "up");
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new machine on the LAN at .<paramref name="lastOctet"/>; returns its address.</summary>
    public async Task<IPAddress> AddHostAsync(string host, int lastOctet)
    {
        var ns = $"{_prefix}-{host}";
        var address = IPAddress.Parse($"{_subnet}.{lastOctet}");
        await AddNamespaceAsync(ns);
        await Ip("-n", Switch, "link", "add", $"to-{host}", "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Ip("-n", Switch, "link", "set", $"to-{host}", "master", "br0", "up");
        await Ip("-n", ns, "addr", "add", $"{address}/24", "dev", "eth0");
        await Ip("-n", ns, "link", "set", "eth0", "up");
        _hosts[host] = (ns, address);
        return address;
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> on the host, output appended to <paramref name="logFile"/>. <c>ip netns exec</c>
    /// execs the program itself, so the process returned is the program: its PID is the one to kill.
    /// </summary>
    public Process Start(
        string host, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logFile, string workingDirectory)
    {
        var start = new ProcessStartInfo("ip")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "netns", "exec", _hosts[host].Namespace, fileName }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName} on {host}.");
        var log = TextWriter.Synchronized(new StreamWriter(logFile, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((host, process));
        return process;
    }

    /// <summary>
    /// The machine dies: its processes are killed (SIGKILL) and its cable and namespace removed, so its address stops
    /// answering at all, no reset or refusal, as a host that lost power.
    /// </summary>
    public async Task PullThePlugAsync(string host)
    {
        foreach (var (_, process) in _processes.Where(p => p.Host == host))
        {
            await KillAsync(process);
        }

        await Ip("-n", Switch, "link", "del", $"to-{host}");
        var ns = _hosts[host].Namespace;
        await Ip("netns", "del", ns);
        _namespaces.Remove(ns);
    }

    /// <summary>Whether <paramref name="host"/> accepts TCP connections on <paramref name="port"/>, from the test's machine.</summary>
    public async Task<bool> ListensAsync(string host, int port)
    {
        using var client = new TcpClient();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(_hosts[host].Address, port, limit.Token);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process) in _processes)
        {
            await KillAsync(process);
            process.Dispose();
        }

        // Deleting a namespace removes its end of each cable, and so the cable, but the kernel does it later; the
        // test's own end is removed at once, so nothing of this network is left behind in the root namespace.
        if (_clientLink is not null)
        {
            await Ip(ignoreFailure: true, "link", "del", _clientLink);
        }

        foreach (var ns in _namespaces.AsEnumerable().Reverse().ToArray())
        {
            await Ip(ignoreFailure: true, "netns", "del", ns);
        }
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task AddNamespaceAsync(string ns)
    {
        await Ip("netns", "add", ns);
        _namespaces.Add(ns);
        await Ip("-n", ns, "link", "set", "lo", "up");
    }

    private static async Task RequirePrerequisitesAsync()
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"This test builds a network of Linux network namespaces, which needs root; it runs as '{Environment.UserName}'. " +
                "Run ./test as root, or leave it out with --filter \"FullyQualifiedName!~AcrossHosts\".");
        }

        try
        {
            await Ip("-V");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("'ip' not found: install Debian's 'iproute2' package.", exception);
        }
    }

    /// <summary>
    /// A /24 in 10.128.0.0/9 that overlaps no address or route of this machine (any routing table), so the test's
    /// route to it cannot take traffic meant for a real network.
    /// </summary>
    private static async Task<string> FreeSubnetAsync()
    {
        var taken = Cidr().Matches(await Ip("-4", "route", "show", "table", "all") + await Ip("-4", "-o", "addr", "show"))
            .Select(match => (Network: ToUInt(IPAddress.Parse(match.Groups["address"].Value)), Length: match.Groups["length"].Success ? int.Parse(match.Groups["length"].Value) : 32))
            .ToArray();
        for (var tries = 0; tries < 100; tries++)
        {
            var candidate = $"10.{Random.Shared.Next(128, 255)}.{Random.Shared.Next(0, 256)}";
            var network = ToUInt(IPAddress.Parse($"{candidate}.0"));
            if (!taken.Any(other => Overlap(network, 24, other.Network, other.Length)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No free /24 in 10.128.0.0/9 for the test network.");
    }

    private static bool Overlap(uint a, int aLength, uint b, int bLength)
    {
        var length = Math.Min(aLength, bLength);
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        return (a & mask) == (b & mask);
    }

    private static uint ToUInt(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    [GeneratedRegex(@"(?<address>\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(/(?<length>\d{1,2}))?")]
    private static partial Regex Cidr();

    private static Task<string> Ip(params string[] arguments) => Ip(ignoreFailure: false, arguments);

    private static async Task<string> Ip(bool ignoreFailure, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !ignoreFailure)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()}");
        }

        return await output;
    }
}
