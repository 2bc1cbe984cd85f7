using Encore.Similarity;

namespace Encore.Grains.Tests.Similarity;

public sealed class PartnerSlabTests
{
    [Fact]
    public void ABlockGivenBackGoesToTheNextListThatAsksForItsLength()
    {
        var slab = new PartnerSlab();
        var first = slab.Rent(8);
        var other = slab.Rent(16);
        first.NumberSpan.Fill(7);

        var moved = first.MovedTo(16, 8, slab);
        var next = slab.Rent(8);

        Assert.Equal((first.Numbers, first.Offset), (next.Numbers, next.Offset));
        Assert.NotEqual(other.Offset, moved.Offset);
        Assert.Equal(Enumerable.Repeat(7, 8), moved.NumberSpan[..8].ToArray());
        Assert.Equal(1, slab.Pages);
    }

    [Fact]
    public void BlocksNeverOverlap()
    {
        // Blocks of every length, some given back and rented again, each filled with its own mark.
        var random = new Random(3);
        var slab = new PartnerSlab();
        var held = new List<(PartnerBlock Block, int Mark)>();
        for (var mark = 0; mark < 4_000; mark++)
        {
            if (held.Count > 0 && random.Next(4) == 0)
            {
                var at = random.Next(held.Count);
                var (block, _) = held[at];
                held.RemoveAt(at);
                slab.Return(block);
            }

            var length = PartnerSlab.MinBlock << random.Next(6);
            var rented = slab.Rent(length);
            rented.NumberSpan.Fill(mark);
            rented.WeightSpan.Fill(-mark);
            held.Add((rented, mark));
        }

        foreach (var (block, mark) in held)
        {
            Assert.All(block.NumberSpan.ToArray(), number => Assert.Equal(mark, number));
            Assert.All(block.WeightSpan.ToArray(), weight => Assert.Equal(-mark, weight));
        }

        Assert.True(slab.Pages > 1, $"{slab.Pages} page");
    }

    [Fact]
    public void APageIsCutToTheEndBeforeAnotherIsAllocated()
    {
        var slab = new PartnerSlab();
        for (var i = 0; i < PartnerSlab.PageLength / PartnerSlab.MinBlock; i++)
        {
            slab.Rent(PartnerSlab.MinBlock);
        }

        Assert.Equal(1, slab.Pages);
        Assert.Equal(1, slab.Rent(PartnerSlab.MinBlock).Page);
        Assert.Equal(2, slab.Pages);
    }

    [Fact]
    public void BlocksGivenBackJoinIntoLongerOnes()
    {
        // A page's worth of the shortest blocks, all given back, is a page's worth of the longest: lists
        // that have all grown long reuse what they left behind.
        var slab = new PartnerSlab();
        var shortest = Enumerable.Range(0, PartnerSlab.PageLength / PartnerSlab.MinBlock).Select(_ => slab.Rent(PartnerSlab.MinBlock)).ToList();
        foreach (var block in shortest)
        {
            slab.Return(block);
        }

        var longest = Enumerable.Range(0, PartnerSlab.PageLength / PartnerSlab.MaxBlock).Select(_ => slab.Rent(PartnerSlab.MaxBlock)).ToList();

        Assert.Equal(1, slab.Pages);
        Assert.Equal(PartnerSlab.PageLength / PartnerSlab.MaxBlock, longest.Select(block => block.Offset).Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(12)]
    [InlineData(4_096)]
    public void OnlyPowersOfTwoFromTheShortestToTheLongestBlockAreRented(int length)
    {
        Assert.False(PartnerSlab.Holds(length));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PartnerSlab().Rent(length));
    }

    [Fact]
    public void ABlockGoesBackOnlyToTheSlabItCameFrom()
    {
        var block = new PartnerSlab().Rent(4);

        Assert.Throws<InvalidOperationException>(() => new PartnerSlab().Return(block));
    }
}
