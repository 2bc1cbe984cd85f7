using Confluent.Kafka;
using Encore.Catalog;
using Encore.Events;
using Encore.Grains.Tests.Cluster;
using Encore.Pipeline;
using Encore.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Encore.Grains.Tests.Pipeline;

public sealed class ListeningEventAdapterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AnAcceptedEventCarriesWhereItsCatalogHoldsItsTrackAndSendsItNowhere()
    {
        var holder = new CatalogHolder(Options.Create(new CatalogOptions()), NullLogger<CatalogHolder>.Instance);
        var catalog = await holder.Loaded;
        var adapter = new ListeningEventAdapter(holder, TimeProvider.System);
        var track = catalog.Tracks[1_234];

        var decoded = adapter.Decode(Message(Plays.Event("u1", track.TrackId, Now), offset: 7), StreamId.Create("p", "3"));
        var item = Assert.IsType<PartitionEvent>(Assert.Single(decoded.Events!));

        Assert.Equal((3, 7L, track.TrackId), (item.Partition, item.Offset, item.Event.TrackId));
        Assert.True(item.TryGetTrackIndex(catalog.Identity, out var index));
        Assert.Equal(1_234, index);
        Assert.False(item.TryGetTrackIndex(TestCatalogs.Synthetic.Identity, out _));

        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var sent = serializer.Deserialize<PartitionEvent>(serializer.SerializeToArray(item))!;
        Assert.Equal(item.Event, sent.Event);
        Assert.False(sent.TryGetTrackIndex(catalog.Identity, out _));
    }

    [Fact]
    public void AListenerLooksTheTrackUpByIdWhenTheEventsIndexIsAnotherCatalogs()
    {
        var catalog = TestCatalogs.Synthetic;
        var state = new GrainState<UserState>(new UserState());
        var track = catalog.Tracks[42];

        // The index of another catalog, pointing at another track: the listener must not read it.
        var item = new PartitionEvent(0, 0, Plays.Event("u1", track.TrackId, Now), catalog.Identity + 1, 43);
        new Listener("u1", state).Apply(item, catalog);

        Assert.Equal(track.TrackId, state.State!.History.Single().TrackId);
        Assert.True(state.State.History.Single().TryGetNumbers(out var numbers));
        Assert.Equal(catalog.NumbersOf(42), numbers);
    }

    private static ConsumeResult<byte[], byte[]> Message(ListeningEvent e, long offset) => new()
    {
        Topic = "music.plays",
        Partition = 3,
        Offset = offset,
        Message = new Message<byte[], byte[]> { Key = [], Value = EventJson.Serialize(e) },
    };
}
