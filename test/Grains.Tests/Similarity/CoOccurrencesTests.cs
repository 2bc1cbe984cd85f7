using Encore.Features;
using Encore.Similarity;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Encore.Grains.Tests.Similarity;

public sealed class CoOccurrencesTests
{
    [Fact]
    public void WeightsSumExactlyWhateverOrderPartnersComeIn()
    {
        // 300 partners met 5 000 times in a shuffled order: enough for many merges of the unsorted newest.
        var random = new Random(7);
        var items = new CoOccurrences();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < 5_000; i++)
        {
            var partner = $"cooccurrences-test-{random.Next(300)}";
            var weight = random.Next(1, CoOccurrenceWeights.Full + 1);
            var count = items.AddPartner(partner, weight, capacity: 1_000);
            expected[partner] = expected.GetValueOrDefault(partner) + weight;
            Assert.Equal(expected.Count, count);
        }

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), Sorted(items));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(300)]
    public void ABatchAddsExactlyWhatItsPartnersAddedOneByOneWould(int batchSize)
    {
        // Batches with partners met before (in the sorted part and among the unsorted newest), new ones
        // and the same partner more than once, until the lists hold most of 1 500 partners.
        var random = new Random(batchSize);
        var numbers = Enumerable.Range(0, 1_500).Select(i => ItemIds.Of($"batch-test-{i}")).ToArray();
        var batched = new CoOccurrences();
        var oneByOne = new CoOccurrences();
        for (var round = 0; round < 4_000 / batchSize; round++)
        {
            var ids = new int[batchSize];
            var weights = new long[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                ids[i] = numbers[random.Next(Math.Min(numbers.Length, 50 + (round * batchSize / 2)))];
                weights[i] = random.Next(1, CoOccurrenceWeights.Full + 1);
                oneByOne.AddPartner(ids[i], weights[i], capacity: 2_000);
            }

            batched.AddPartners(ids, weights, capacity: 2_000);
            Assert.Equal(oneByOne.PartnerCount, batched.PartnerCount);
        }

        Assert.True(batched.PartnerCount > 1_000, $"only {batched.PartnerCount} partners");
        Assert.Equal(Sorted(oneByOne), Sorted(batched));
    }

    [Fact]
    public void ABatchThatCouldTakeAListPastItsCapacityIsRefused()
    {
        var items = new CoOccurrences();
        for (var i = 0; i < 9; i++)
        {
            items.AddPartner($"batch-full-{i}", 1, capacity: 10);
        }

        int[] ids = [ItemIds.Of("batch-full-9"), ItemIds.Of("batch-full-0")];

        // Both could be new as far as the caller knows; the list stays as it was.
        Assert.Throws<ArgumentException>(() => items.AddPartners(ids, new long[] { 1, 1 }, capacity: 10));
        Assert.Equal(9, items.PartnerCount);
        Assert.Equal(9, Sorted(items).Sum(p => p.Value));
    }

    [Fact]
    public void ListsSharingASlabHoldExactlyWhatListsOfTheirOwnHold()
    {
        // 40 lists of one slab, each beside a twin with arrays of its own, fed the same partners one by
        // one and in batches, past their capacity (evictions) and cut to a lower one, in an interleaved
        // order: a block given to two lists at once, or copied short when a list moved, would show here.
        var random = new Random(11);
        var numbers = Enumerable.Range(0, 3_000).Select(i => ItemIds.Of($"slab-test-{i}")).ToArray();
        var slab = new PartnerSlab();
        var inSlab = Enumerable.Range(0, 40).Select(_ => new CoOccurrences()).ToArray();
        var own = Enumerable.Range(0, 40).Select(_ => new CoOccurrences()).ToArray();
        Func<int, long, double> strength = (number, weight) => weight + (number % 7);
        var capacity = 1_500;
        for (var round = 0; round < 6_000; round++)
        {
            var list = random.Next(inSlab.Length);
            var reach = Math.Min(numbers.Length, 20 + (round / 2));
            if (round % 3 == 0)
            {
                var size = random.Next(1, 60);
                var ids = Enumerable.Range(0, size).Select(_ => numbers[random.Next(reach)]).ToArray();
                var weights = Enumerable.Range(0, size).Select(_ => (long)random.Next(1, CoOccurrenceWeights.Full + 1)).ToArray();
                if (own[list].PartnerCount + size <= capacity)
                {
                    inSlab[list].AddPartners(ids.ToArray(), weights.ToArray(), capacity, slab);
                    own[list].AddPartners(ids, weights, capacity);
                }
            }
            else
            {
                var id = numbers[random.Next(reach)];
                var weight = random.Next(1, CoOccurrenceWeights.Full + 1);
                if (inSlab[list].AddPartner(id, weight, capacity, slab) > capacity)
                {
                    inSlab[list].EvictWeakest(capacity, strength);
                }

                if (own[list].AddPartner(id, weight, capacity) > capacity)
                {
                    own[list].EvictWeakest(capacity, strength);
                }
            }

            if (round == 4_000)
            {
                capacity = 600;
                foreach (var items in inSlab.Concat(own))
                {
                    items.CutTo(capacity, strength);
                }
            }
        }

        Assert.True(inSlab.Max(items => items.PartnerCount) >= 600, $"the longest list holds only {inSlab.Max(items => items.PartnerCount)}");
        Assert.True(slab.Pages >= 1);
        for (var i = 0; i < inSlab.Length; i++)
        {
            Assert.Equal(Sorted(own[i]), Sorted(inSlab[i]));
        }
    }

    [Fact]
    public void ACutListLeavesItsSlabForArraysOfItsOwn()
    {
        // 300 partners grow a list to a block of 512; its bucket then cuts its lists to 130.
        var slab = new PartnerSlab();
        var list = new CoOccurrences();
        for (var i = 0; i < 300; i++)
        {
            list.AddPartner(ItemIds.Of($"cut-test-{i}"), i + 1, CoOccurrences.TrackCapacity, slab);
        }

        Assert.Equal((slab, 512), (list.Block.Slab, list.Block.Length));
        list.CutTo(130, (_, weight) => weight);

        Assert.Equal((null, 131), (list.Block.Slab, list.Block.Length));
        Assert.Equal(Enumerable.Range(171, 130).Select(i => ($"cut-test-{i - 1}", (long)i)).Order(), list.Partners().Order());

        // A shorter list leaves its slab too, at the length it had.
        var shorter = new CoOccurrences();
        shorter.AddPartner(ItemIds.Of("cut-test-short"), 1, CoOccurrences.TrackCapacity, slab);
        shorter.CutTo(130, (_, weight) => weight);
        Assert.Equal((null, PartnerSlab.MinBlock, 1), (shorter.Block.Slab, shorter.Block.Length, shorter.PartnerCount));
    }

    [Fact]
    public void EvictionKeepsTheStrongestThreeQuartersAndTheRestStillAddUp()
    {
        var items = new CoOccurrences();
        for (var i = 0; i < 41; i++)
        {
            items.AddPartner($"evict-{i:D2}", 100 + i, capacity: 40);
        }

        // Strength is the weight: the 30 heaviest stay.
        items.EvictWeakest(40, (_, weight) => weight);
        Assert.Equal(30, items.PartnerCount);
        Assert.Equal(Enumerable.Range(11, 30).Select(i => new KeyValuePair<string, long>($"evict-{i:D2}", 100 + i)), Sorted(items));

        items.AddPartner("evict-40", 5, capacity: 40);
        items.AddPartner("evict-00", 7, capacity: 40);
        Assert.Equal(145L, Sorted(items).Single(p => p.Key == "evict-40").Value);
        Assert.Equal(7L, Sorted(items).Single(p => p.Key == "evict-00").Value);
        Assert.Equal(31, items.PartnerCount);
    }

    [Fact]
    public void NearestRanksByShrunkCosineTiesByNameAndKeepsTheCountAskedFor()
    {
        // The item occurred 20 times. Partners: weight in whole co-occurrences, and their own occurrences.
        var items = new CoOccurrences { Occurrences = 20 };
        var partners = new (string Name, long Together, long Occurrences)[]
        {
            ("near-e", 2, 4), ("near-c", 10, 80), ("near-a", 10, 30), ("near-d", 2, 4), ("near-b", 1, 1),
        };
        foreach (var (name, together, _) in partners)
        {
            items.AddPartner(name, together * CoOccurrenceWeights.Full, capacity: 100);
        }

        var occurrences = partners.ToDictionary(p => p.Name, p => p.Occurrences);
        var nearest = items.Nearest(4, id => occurrences[ItemIds.NameOf(id)]);

        // 10/(√(20·30)+5) = 0.3390, 10/(√(20·80)+5) = 0.2222, 2/(√(20·4)+5) = 0.1434 twice (d before e), 1/(√20+5) = 0.1056.
        Assert.Equal(["near-a", "near-c", "near-d", "near-e"], nearest.Select(n => n.Id));
        Assert.Equal(10 / (Math.Sqrt(600) + 5), nearest[0].Similarity, 12);
        Assert.Equal(10 / (Math.Sqrt(1_600) + 5), nearest[1].Similarity, 12);
        Assert.Equal(nearest[2].Similarity, nearest[3].Similarity);
        Assert.Equal([10.0, 10.0, 2.0, 2.0], nearest.Select(n => n.CoOccurrences));
        Assert.Equal(5, items.Nearest(10, id => occurrences[ItemIds.NameOf(id)]).Length);
    }

    [Fact]
    public void CountsByNumberAnswerWhatTheSnapshotAnswersByName()
    {
        // A name numbered before the snapshot, one first seen in it, and one numbered but not in it.
        var known = "counted-" + Guid.NewGuid().ToString("N");
        var absent = "uncounted-" + Guid.NewGuid().ToString("N");
        var before = ItemIds.Of(known);
        var missing = ItemIds.Of(absent);
        var fresh = "first-seen-" + Guid.NewGuid().ToString("N");
        var snapshot = new OccurrenceSnapshot(7, new Dictionary<string, long> { [known] = 12, [fresh] = 3 });

        var counts = NumberedCounts.Of(snapshot);

        Assert.Same(snapshot, counts.Source);
        Assert.Equal(12, counts.Of(before));
        Assert.Equal(3, counts.Of(ItemIds.Of(fresh)));
        Assert.Equal(0, counts.Of(missing));
        Assert.Equal(0, counts.Of(ItemIds.Of("numbered-after-" + Guid.NewGuid().ToString("N"))));
        Assert.Equal(0, counts.Of(-1));
    }

    [Fact]
    public void ATieAtTheEvictionLineIsSettledByName()
    {
        var items = new CoOccurrences();
        foreach (var name in new[] { "tie-d", "tie-b", "tie-e", "tie-a", "tie-c" })
        {
            items.AddPartner(name, CoOccurrenceWeights.Full, capacity: 4);
        }

        items.EvictWeakest(4, (_, _) => 1.0);
        Assert.Equal(["tie-a", "tie-b", "tie-c"], Sorted(items).Select(p => p.Key));
    }

    [Fact]
    public void PartnersCrossAGrainBoundaryByName()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var items = new CoOccurrences { Occurrences = 9 };
        for (var i = 0; i < 50; i++)
        {
            items.AddPartner($"boundary-{i % 37}", i + 1, capacity: 100);
        }

        var copy = serializer.Deserialize<CoOccurrences>(serializer.SerializeToArray(items))!;

        Assert.Equal(9, copy.Occurrences);
        Assert.Equal(Sorted(items), Sorted(copy));
        Assert.Equal(37, copy.AddPartner("boundary-3", 1, capacity: 100));
        Assert.Equal(4L + 41 + 1, Sorted(copy).Single(p => p.Key == "boundary-3").Value);
    }

    [Fact]
    public void AListStoredAsADictionaryOfNamesStillReads()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var stored = new StoredBeforeNumbering
        {
            Occurrences = 4,
            Partners = new(StringComparer.Ordinal) { ["legacy-b"] = 32, ["legacy-a"] = 16 },
        };

        var copy = serializer.Deserialize<CoOccurrences>(serializer.SerializeToArray(stored))!;

        Assert.Equal(4, copy.Occurrences);
        Assert.Equal([new("legacy-a", 16L), new KeyValuePair<string, long>("legacy-b", 32L)], Sorted(copy));
    }

    [Fact]
    public void ANameStoredTwiceIsOnePartnerWithBothWeights()
    {
        var stored = new CoOccurrencesSurrogate
        {
            Occurrences = 3,
            PartnerNames = ["twice-b", "twice-a", "twice-b"],
            Weights = [5, 7, 11],
            PartnerWeights = new(StringComparer.Ordinal) { ["twice-a"] = 13 },
        };

        var items = new CoOccurrencesConverter().ConvertFromSurrogate(stored);

        Assert.Equal([new("twice-a", 20L), new KeyValuePair<string, long>("twice-b", 16L)], Sorted(items));
        Assert.Equal(2, items.AddPartner("twice-a", 1, capacity: 10));
    }

    private static List<KeyValuePair<string, long>> Sorted(CoOccurrences items) =>
        [.. items.Partners().Select(p => new KeyValuePair<string, long>(p.Partner, p.Weight)).OrderBy(p => p.Key, StringComparer.Ordinal)];

    /// <summary>How a list was stored before partners were numbered.</summary>
    [GenerateSerializer]
    public sealed class StoredBeforeNumbering
    {
        [Id(0)] public long Occurrences { get; set; }
        [Id(1)] public Dictionary<string, long> Partners { get; set; } = new(StringComparer.Ordinal);
    }
}
