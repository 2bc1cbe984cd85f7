using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace Encore.Streams.Kafka.DevCluster;

/// <summary>
/// The part of librdkafka's C API that the dev cluster needs (see librdkafka's <c>src/rdkafka_mock.h</c>),
/// bound to the very copy of librdkafka that Confluent.Kafka loaded, so that one process never holds
/// two librdkafka builds with two sets of global state.
/// </summary>
/// <remarks>
/// Confluent.Kafka does not say which file it loaded (on Debian it tries <c>librdkafka.so</c>, whose
/// GSSAPI dependencies are missing, then <c>centos8-librdkafka.so</c>). On Linux the process's own
/// memory map names it; elsewhere the library is resolved by name with Confluent.Kafka's assembly as the
/// anchor, which is the same probing Confluent.Kafka's <c>DllImport("librdkafka")</c> goes through.
/// The mock API is experimental in librdkafka and outside its ABI guarantees: the signatures below are
/// those of librdkafka 2.x.
/// </remarks>
internal sealed unsafe class LibrdkafkaMockApi
{
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private const int ConfOk = 0; // RD_KAFKA_CONF_OK
    private const int ErrorBufferSize = 512;

    private static readonly string[] LinuxFileNames = ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];
    private static readonly Lazy<LibrdkafkaMockApi> Shared = new(Bind);

    private readonly delegate* unmanaged[Cdecl]<nint> _confNew;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int> _confSet;
    private readonly delegate* unmanaged[Cdecl]<nint, void> _confDestroy;
    private readonly delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint> _new;
    private readonly delegate* unmanaged[Cdecl]<nint, void> _destroy;
    private readonly delegate* unmanaged[Cdecl]<nint, int, nint> _mockClusterNew;
    private readonly delegate* unmanaged[Cdecl]<nint, void> _mockClusterDestroy;
    private readonly delegate* unmanaged[Cdecl]<nint, nint> _mockClusterBootstraps;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int, ErrorCode> _mockTopicCreate;
    private readonly delegate* unmanaged[Cdecl]<nint, int, ErrorCode> _mockBrokerSetDown;
    private readonly delegate* unmanaged[Cdecl]<nint, int, ErrorCode> _mockBrokerSetUp;
    private readonly delegate* unmanaged[Cdecl]<nint, short, nuint, ErrorCode*, void> _mockPushRequestErrorsArray;
    private readonly delegate* unmanaged[Cdecl]<nint, int, void> _mockGroupInitialRebalanceDelayMs;

    private LibrdkafkaMockApi(string libraryPath, nint library)
    {
        LibraryPath = libraryPath;
        _confNew = (delegate* unmanaged[Cdecl]<nint>)Export(library, "rd_kafka_conf_new");
        _confSet = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)Export(library, "rd_kafka_conf_set");
        _confDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_conf_destroy");
        _new = (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)Export(library, "rd_kafka_new");
        _destroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_destroy");
        _mockClusterNew = (delegate* unmanaged[Cdecl]<nint, int, nint>)Export(library, "rd_kafka_mock_cluster_new");
        _mockClusterDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export(library, "rd_kafka_mock_cluster_destroy");
        _mockClusterBootstraps = (delegate* unmanaged[Cdecl]<nint, nint>)Export(library, "rd_kafka_mock_cluster_bootstraps");
        _mockTopicCreate = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, ErrorCode>)Export(library, "rd_kafka_mock_topic_create");
        _mockBrokerSetDown = (delegate* unmanaged[Cdecl]<nint, int, ErrorCode>)Export(library, "rd_kafka_mock_broker_set_down");
        _mockBrokerSetUp = (delegate* unmanaged[Cdecl]<nint, int, ErrorCode>)Export(library, "rd_kafka_mock_broker_set_up");
        _mockPushRequestErrorsArray = (delegate* unmanaged[Cdecl]<nint, short, nuint, ErrorCode*, void>)Export(library, "rd_kafka_mock_push_request_errors_array");
        _mockGroupInitialRebalanceDelayMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export(library, "rd_kafka_mock_group_initial_rebalance_delay_ms");
    }

    /// <summary>The binding to the librdkafka Confluent.Kafka uses; loads it on first use.</summary>
    public static LibrdkafkaMockApi Instance => Shared.Value;

    /// <summary>The file the functions were bound from.</summary>
    public string LibraryPath { get; }

    /// <summary>
    /// Creates the producer handle the mock cluster is attached to. It never produces; librdkafka needs
    /// it for the cluster's bookkeeping and logging.
    /// </summary>
    public nint CreateClient(IReadOnlyDictionary<string, string> settings)
    {
        var error = stackalloc byte[ErrorBufferSize];
        var conf = _confNew();
        foreach (var (name, value) in settings)
        {
            fixed (byte* namePtr = Utf8z(name), valuePtr = Utf8z(value))
            {
                if (_confSet(conf, namePtr, valuePtr, error, ErrorBufferSize) != ConfOk)
                {
                    _confDestroy(conf);
                    throw new InvalidOperationException(
                        $"librdkafka mock cluster could not be created: setting {name}={value} failed: {Utf8ToString(error)}");
                }
            }
        }

        // rd_kafka_new takes ownership of conf only when it succeeds.
        var client = _new(ProducerType, conf, error, ErrorBufferSize);
        if (client == 0)
        {
            _confDestroy(conf);
            throw new InvalidOperationException(
                $"librdkafka mock cluster could not be created: rd_kafka_new failed: {Utf8ToString(error)}");
        }

        return client;
    }

    public void DestroyClient(nint client) => _destroy(client);

    public nint MockClusterNew(nint client, int brokers) => _mockClusterNew(client, brokers);

    public void MockClusterDestroy(nint cluster) => _mockClusterDestroy(cluster);

    public string MockClusterBootstraps(nint cluster) =>
        Marshal.PtrToStringUTF8(_mockClusterBootstraps(cluster)) ?? string.Empty;

    public ErrorCode MockTopicCreate(nint cluster, string topic, int partitions, int replicationFactor)
    {
        fixed (byte* topicPtr = Utf8z(topic))
        {
            return _mockTopicCreate(cluster, topicPtr, partitions, replicationFactor);
        }
    }

    public ErrorCode MockBrokerSetDown(nint cluster, int brokerId) => _mockBrokerSetDown(cluster, brokerId);

    public ErrorCode MockBrokerSetUp(nint cluster, int brokerId) => _mockBrokerSetUp(cluster, brokerId);

    public void MockPushRequestErrors(nint cluster, short apiKey, ReadOnlySpan<ErrorCode> errors)
    {
        fixed (ErrorCode* errorsPtr = errors)
        {
            _mockPushRequestErrorsArray(cluster, apiKey, (nuint)errors.Length, errorsPtr);
        }
    }

    public void MockGroupInitialRebalanceDelay(nint cluster, int milliseconds) =>
        _mockGroupInitialRebalanceDelayMs(cluster, milliseconds);

    private static LibrdkafkaMockApi Bind()
    {
        // Makes Confluent.Kafka pick and load its native library before we look for it.
        _ = Library.Version;

        var path = OperatingSystem.IsLinux() ? FindLoadedOnLinux() : null;
        nint library;
        try
        {
            library = path is not null
                ? NativeLibrary.Load(path)
                : NativeLibrary.Load("librdkafka", typeof(Library).Assembly, null);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                $"librdkafka mock cluster could not be created: the librdkafka that Confluent.Kafka uses could not be opened ({e.Message}).", e);
        }

        return new LibrdkafkaMockApi(path ?? "librdkafka", library);
    }

    /// <summary>
    /// Reads /proc/self/maps for the librdkafka file Confluent.Kafka mapped. Loading that exact path
    /// again returns the handle of the copy already in memory instead of mapping a second one.
    /// </summary>
    private static string FindLoadedOnLinux()
    {
        // address perms offset dev inode pathname
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 6)
            .Select(fields => fields[5].Trim())
            .Where(file => Path.GetFileName(file).Contains("librdkafka", StringComparison.Ordinal))
            .Distinct()
            .ToList();

        // The names Confluent.Kafka's redist package ships come first; any other librdkafka (one given to
        // Library.Load, say) is the one it uses when it is the only one mapped.
        return mapped.FirstOrDefault(file => LinuxFileNames.Contains(Path.GetFileName(file)))
            ?? mapped.FirstOrDefault()
            ?? throw new InvalidOperationException(
                "librdkafka mock cluster could not be created: Confluent.Kafka reported librdkafka " +
                $"{Library.VersionString} but no librdkafka file is mapped into this process (/proc/self/maps).");
    }

    private static nint Export(nint library, string name)
    {
        if (!NativeLibrary.TryGetExport(library, name, out var address))
        {
            throw new InvalidOperationException(
                $"librdkafka mock cluster could not be created: librdkafka {Library.VersionString} does not export {name}; " +
                "the dev cluster needs a librdkafka 2.x build with the mock cluster API.");
        }

        return address;
    }

    private static byte[] Utf8z(string value) => Encoding.UTF8.GetBytes(value + '\0');

    private static string Utf8ToString(byte* value) => Marshal.PtrToStringUTF8((nint)value) ?? string.Empty;
}
