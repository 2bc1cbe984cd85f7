namespace Encore.Streams.Kafka.Providers;

/// <summary>
/// The key hash of Kafka's Java default partitioner (librdkafka's <c>murmur2_random</c>), so the queue the
/// mapper names for a key is the partition any Kafka client using that partitioner writes it to.
/// </summary>
public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    public static int Partition(ReadOnlySpan<byte> key, int partitionCount) =>
        (int)((Hash(key) & 0x7fffffff) % (uint)partitionCount);

    public static uint Hash(ReadOnlySpan<byte> data)
    {
        var h = Seed ^ (uint)data.Length;
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }

        switch (data.Length - i)
        {
            case 3:
                h ^= (uint)data[i + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[i + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[i];
                h *= M;
                break;
        }

        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return h;
    }
}
