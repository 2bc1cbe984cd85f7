using System.Runtime.InteropServices;

namespace Encore.Streams.Kafka.DevCluster;

/// <summary>
/// Owns a librdkafka mock cluster and the client handle it is attached to, and releases them in the
/// order librdkafka requires (cluster first), also when the owner was never disposed.
/// </summary>
internal sealed class MockClusterHandle : SafeHandle
{
    private readonly LibrdkafkaMockApi _api;
    private readonly nint _client;

    public MockClusterHandle(LibrdkafkaMockApi api, nint client, nint cluster)
        : base(0, ownsHandle: true)
    {
        _api = api;
        _client = client;
        SetHandle(cluster);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        _api.MockClusterDestroy(handle);
        _api.DestroyClient(_client);
        return true;
    }
}
