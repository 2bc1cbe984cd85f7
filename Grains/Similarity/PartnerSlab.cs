using System.Numerics;

namespace Encore.Similarity;

/// <summary>
/// Where the partner lists of one co-occurrence bucket keep their partners: blocks of a power-of-two
/// length cut from large pages of numbers and weights. A block a list has outgrown goes to the next list
/// that grows to its length, or joins its free neighbour (its buddy) into a block twice as long.
/// </summary>
/// <remarks>
/// A list that grew its own arrays left the old ones to the collector, and its new ones, which live as
/// long as the list, were copied from generation to generation on their way to the oldest. Partner arrays
/// were an eighth of what a warm pass allocated, all of it surviving (docs/performance.md). Pages are
/// large objects: the collector does not move them, and they hold no reference for it to follow.
/// Blocks are buddies: each sits at a multiple of its length within its page, a longer free block is
/// split to rent a shorter one, and two free halves join again. Without that, the short blocks that lists
/// left behind as they all grew long would stay unused beside them.
/// A slab belongs to one bucket activation and is used by its turns only, one at a time; it is not
/// thread-safe and is never stored. It never gives a page back, so a bucket drops its slab at its first
/// cut to its budget, which leaves most blocks unused; from then on its lists grow rarely.
/// </remarks>
public sealed class PartnerSlab
{
    /// <summary>Partners a page holds: 256 KiB of numbers and 512 KiB of weights.</summary>
    public const int PageLength = 1 << 16;

    /// <summary>The shortest block.</summary>
    public const int MinBlock = 4;

    /// <summary>
    /// The longest block. A list longer than this is at or near its capacity, where it stops growing, so
    /// its own arrays are allocated once and kept.
    /// </summary>
    public const int MaxBlock = 2048;

    private static readonly int Longest = BitOperations.Log2(MaxBlock);

    private readonly List<int[]> _numberPages = [];
    private readonly List<long[]> _weightPages = [];

    // For each page and each MinBlock of it, 1 + log2 of the length of the free block starting there (0:
    // none starts there), which says whether a block's buddy is free.
    private readonly List<byte[]> _freeAt = [];

    // Free blocks by the log2 of their length, as page * PageLength + offset. A block joined into a longer
    // one stays here until popped, and is then passed over: _freeAt says whether it is still free.
    private readonly Stack<int>[] _free = [.. Enumerable.Range(0, Longest + 1).Select(_ => new Stack<int>())];

    // How much of the newest page has been cut into blocks of MaxBlock.
    private int _cut = PageLength;

    /// <summary>Pages allocated so far.</summary>
    public int Pages => _numberPages.Count;

    /// <summary>Whether a block of <paramref name="length"/> comes from a slab (a power of two from <see cref="MinBlock"/> to <see cref="MaxBlock"/>).</summary>
    public static bool Holds(int length) => length is >= MinBlock and <= MaxBlock && BitOperations.IsPow2(length);

    /// <summary>A block of <paramref name="length"/> (see <see cref="Holds"/>), a freed one if there is one; its contents are whatever was there.</summary>
    public PartnerBlock Rent(int length)
    {
        if (!Holds(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a slab holds blocks of a power of two from {MinBlock} to {MaxBlock}");
        }

        var at = Take(BitOperations.Log2((uint)length));
        var page = at / PageLength;
        return new PartnerBlock(_numberPages[page], _weightPages[page], at % PageLength, length, this, page);
    }

    /// <summary>Takes back a block this slab rented, joining it with its buddy while that is free; the list that had it must not use it again.</summary>
    internal void Return(PartnerBlock block)
    {
        if (block.Slab != this || block.Page >= _numberPages.Count || _numberPages[block.Page] != block.Numbers)
        {
            throw new InvalidOperationException("the block was not rented from this slab");
        }

        var at = (block.Page * PageLength) + block.Offset;
        var size = BitOperations.Log2((uint)block.Length);
        while (size < Longest && FreeAt(at ^ (1 << size)) == size + 1)
        {
            var buddy = at ^ (1 << size);
            FreeAt(buddy) = 0;
            at = Math.Min(at, buddy);
            size++;
        }

        MarkFree(at, size);
    }

    /// <summary>Where a block of 2^<paramref name="size"/> starts: a free one, else half of a longer one split, else a new one cut.</summary>
    private int Take(int size)
    {
        while (_free[size].TryPop(out var free))
        {
            if (FreeAt(free) == size + 1)
            {
                FreeAt(free) = 0;
                return free;
            }
        }

        if (size < Longest)
        {
            var split = Take(size + 1);
            MarkFree(split + (1 << size), size);
            return split;
        }

        if (_cut == PageLength)
        {
            _numberPages.Add(new int[PageLength]);
            _weightPages.Add(new long[PageLength]);
            _freeAt.Add(new byte[PageLength / MinBlock]);
            _cut = 0;
        }

        _cut += MaxBlock;
        return ((_numberPages.Count - 1) * PageLength) + _cut - MaxBlock;
    }

    private void MarkFree(int at, int size)
    {
        FreeAt(at) = (byte)(size + 1);
        _free[size].Push(at);
    }

    private ref byte FreeAt(int at) => ref _freeAt[at / PageLength][at % PageLength / MinBlock];
}

/// <summary>
/// The place of a list's partners: <see cref="Length"/> numbers and weights from <see cref="Offset"/> in
/// two arrays, either page <see cref="Page"/> of a slab (<see cref="Slab"/> set) or arrays of the list's own.
/// </summary>
public readonly record struct PartnerBlock(int[] Numbers, long[] Weights, int Offset, int Length, PartnerSlab? Slab, int Page = 0)
{
    public static readonly PartnerBlock Empty = Own(0);

    /// <summary>Arrays of the list's own, of <paramref name="length"/>.</summary>
    public static PartnerBlock Own(int length) => new(new int[length], new long[length], 0, length, null);

    /// <summary>The list's own arrays, as they are.</summary>
    public static PartnerBlock Own(int[] numbers, long[] weights) => new(numbers, weights, 0, numbers.Length, null);

    public Span<int> NumberSpan => Numbers.AsSpan(Offset, Length);

    public Span<long> WeightSpan => Weights.AsSpan(Offset, Length);

    /// <summary>A block of <paramref name="length"/> holding this one's first <paramref name="count"/> partners, from <paramref name="slab"/> when it holds that length; this one goes back to its slab.</summary>
    public PartnerBlock MovedTo(int length, int count, PartnerSlab? slab)
    {
        var moved = slab is not null && PartnerSlab.Holds(length) ? slab.Rent(length) : Own(length);
        NumberSpan[..count].CopyTo(moved.NumberSpan);
        WeightSpan[..count].CopyTo(moved.WeightSpan);
        Slab?.Return(this);
        return moved;
    }
}
