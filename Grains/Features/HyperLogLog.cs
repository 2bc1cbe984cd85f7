using System.Numerics;

namespace Encore.Features;

/// <summary>
/// Approximate distinct count (Flajolet et al.): exact while it has seen at most 64 distinct hashes
/// (kept as a set), then 2^10 one-byte registers, 1 KiB, about 3 % standard error. Most tracks have
/// few listeners and never pay for the registers.
/// </summary>
[GenerateSerializer]
public sealed class HyperLogLog
{
    private const int Bits = 10;
    private const int Registers = 1 << Bits;
    private const int SparseLimit = 64;

    [Id(0)] private byte[]? _registers;
    [Id(1)] private List<ulong>? _sparse = [];

    /// <summary>Adds a 64-bit hash (it must be well mixed, as <see cref="KeyHash"/> is).</summary>
    public void Add(ulong hash)
    {
        if (_sparse is not null)
        {
            if (_sparse.Contains(hash))
            {
                return;
            }

            if (_sparse.Count < SparseLimit)
            {
                _sparse.Add(hash);
                return;
            }

            _registers = new byte[Registers];
            foreach (var h in _sparse)
            {
                AddToRegisters(h);
            }

            _sparse = null;
        }

        AddToRegisters(hash);
    }

    public long Estimate()
    {
        if (_sparse is not null)
        {
            return _sparse.Count;
        }

        double sum = 0;
        var zeros = 0;
        foreach (var register in _registers!)
        {
            sum += Math.ScaleB(1.0, -register);
            if (register == 0)
            {
                zeros++;
            }
        }

        var alpha = 0.7213 / (1 + 1.079 / Registers);
        var raw = alpha * Registers * Registers / sum;
        if (raw <= 2.5 * Registers && zeros > 0)
        {
            raw = Registers * Math.Log((double)Registers / zeros);
        }

        return (long)Math.Round(raw);
    }

    private void AddToRegisters(ulong hash)
    {
        var index = (int)(hash >> (64 - Bits));
        var rest = hash << Bits;
        var rank = (byte)(rest == 0 ? 64 - Bits + 1 : BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers![index])
        {
            _registers[index] = rank;
        }
    }
}
