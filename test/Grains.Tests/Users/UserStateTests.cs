using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Encore.Grains.Tests.Users;

public sealed class UserStateTests
{
    [Fact]
    public void EachPartitionKeepsItsOwnWatermark()
    {
        var state = new UserState();
        Assert.Equal(-1, state.WatermarkOf(7));

        state.MoveWatermark(7, 41);
        state.MoveWatermark(7, 42);
        state.MoveWatermark(3, 9);
        state.MoveWatermark(11, 0);
        state.MoveWatermark(3, 10);

        Assert.Equal(42, state.WatermarkOf(7));
        Assert.Equal(10, state.WatermarkOf(3));
        Assert.Equal(0, state.WatermarkOf(11));
        Assert.Equal(-1, state.WatermarkOf(5));
        Assert.Equal([(7, 42L), (3, 10L), (11, 0L)], state.AppliedOffsets!.Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public void SettingTheStoredOffsetsReplacesEveryWatermark()
    {
        var state = new UserState();
        state.MoveWatermark(7, 41);
        state.MoveWatermark(3, 9);

        state.AppliedOffsets = new Dictionary<int, long> { [4] = 100, [7] = 5 };

        Assert.Equal(-1, state.WatermarkOf(3));
        Assert.Equal(100, state.WatermarkOf(4));
        Assert.Equal(5, state.WatermarkOf(7));

        state.AppliedOffsets = [];
        Assert.Empty(state.AppliedOffsets!);
        Assert.Equal(-1, state.WatermarkOf(4));

        state.AppliedOffsets = null;
        Assert.Null(state.AppliedOffsets);
        state.MoveWatermark(2, 1);
        Assert.Equal([(2, 1L)], state.AppliedOffsets!.Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public void ACopyKeepsEveryWatermark()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var state = new UserState { Plays = 3 };
        state.MoveWatermark(7, 42);
        state.MoveWatermark(3, 10);

        var copy = services.GetRequiredService<DeepCopier<UserState>>().Copy(state);

        Assert.NotSame(state, copy);
        Assert.Equal((3, 42, 10), (copy.Plays, copy.WatermarkOf(7), copy.WatermarkOf(3)));
    }

    /// <summary>
    /// Through each serializer grain storage may use (the memory storage's default is the JSON one,
    /// which fills a collection a property already holds rather than setting one), a state keeps every
    /// watermark, and one with none comes back with none.
    /// </summary>
    [Fact]
    public void EveryStorageSerializerKeepsTheWatermarks()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        IGrainStorageSerializer[] serializers =
        [
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            new JsonGrainStorageSerializer(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions()))),
            new SystemTextJsonGrainStorageSerializer(Options.Create(new SystemTextJsonGrainStorageSerializerOptions())),
        ];
        var state = new UserState { Plays = 3 };
        state.MoveWatermark(7, 42);
        state.MoveWatermark(3, 10);

        foreach (var serializer in serializers)
        {
            var read = serializer.Deserialize<UserState>(serializer.Serialize(state))!;
            Assert.Equal((3, 42, 10, -1), (read.Plays, read.WatermarkOf(7), read.WatermarkOf(3), read.WatermarkOf(0)));

            var none = serializer.Deserialize<UserState>(serializer.Serialize(new UserState()))!;
            Assert.Null(none.AppliedOffsets);
            Assert.Equal(-1, none.WatermarkOf(7));
        }
    }

    /// <summary>
    /// Listeners' states as the build before this one stored them, with a dictionary of watermarks
    /// (partition 7 at offset 42 and 4 plays; then a second state with partition 3 at 10 added after
    /// it): each must read back with the same watermarks and be written exactly as that build wrote it,
    /// so that silos of both builds can share stored state during a rolling update.
    /// </summary>
    [Theory]
    [InlineData(OnePartition)]
    [InlineData(TwoPartitions)]
    public void StateStoredWithADictionaryOfWatermarksReadsBackAndIsWrittenTheSameWay(string stored)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var state = serializer.Deserialize<UserState>(Convert.FromBase64String(stored))!;

        Assert.Equal(4, state.Plays);
        Assert.Equal(42, state.WatermarkOf(7));
        Assert.Equal(stored == TwoPartitions ? 10 : -1, state.WatermarkOf(3));
        Assert.Equal(stored, Convert.ToBase64String(serializer.SerializeToArray(state)));
    }

    private const string OnePartition =
        "ICABAwEdAKngAREBAYEAAAAAAAAAAAEBIeAh4AEBISAwATEs1C4dU3RyaW5nQ29tcGFyZXIAAwEB4OABAYEAAAAAAAAAAOAhIDgDAAMBAeDgAQGBAAAAAAAAAADgISDggQAAAAAAAAAAAQHgwQHBAcEBAQHg";
    private const string TwoPartitions =
        "ICABBQEdAKkADQAp4AERAQGBAAAAAAAAAAABASHgIeABASEgMAExLNQuHVN0cmluZ0NvbXBhcmVyAAMBAeDgAQGBAAAAAAAAAADgISA4AwADAQHg4AEBgQAAAAAAAAAA4CEg4IEAAAAAAAAAAAEB4MEBwQHBAQEB4A==";
}
