using System.Net;
using System.Net.Sockets;

namespace Encore.Tests;

/// <summary>
/// Ports for the servers a test starts (silo processes, their gateways and HTTP), taken below the
/// kernel's ephemeral range (32768-60999 on Linux). A port the kernel hands out for port 0 is free only
/// until an outgoing connection takes it as its local port: CI once saw a silo process fail to bind
/// its HTTP port that way ("address already in use"). Each port is handed out once per process, and
/// only if it binds at that moment. The test projects that start servers compile this file.
/// </summary>
internal static class FreePorts
{
    private const int First = 20_000;
    private const int Count = 12_000;

    // A random start, so that two test processes at once would walk different stretches.
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by something else: the next one.
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {First + Count}.");
    }
}
