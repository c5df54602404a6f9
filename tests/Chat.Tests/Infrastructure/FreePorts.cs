using System.Net;
using System.Net.Sockets;

namespace Chat.Tests.Infrastructure;

/// <summary>Free loopback ports for the processes a test starts.</summary>
public static class FreePorts
{
    /// <summary>The first of <paramref name="count"/> consecutive free loopback ports, chosen at random in [from, to).</summary>
    public static int Range(int count, int from = 20_000, int to = 29_000)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(from, to);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found on loopback.");
    }

    /// <summary>One free loopback port, as the operating system picks it.</summary>
    public static int Any()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
