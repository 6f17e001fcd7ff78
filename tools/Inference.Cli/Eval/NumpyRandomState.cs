namespace Inference.Cli.Eval;

/// <summary>
/// NumPy's legacy <c>RandomState(seed)</c> (MT19937 with the masked bounded integers), for the draws the evaluation makes — so the
/// MPN plausibility examples are the ones <c>models/training/mpn.py</c> makes with the same seed.
/// </summary>
public sealed class NumpyRandomState
{
    const int N = 624, M = 397;
    readonly uint[] _mt = new uint[N];
    int _pos;

    public NumpyRandomState(uint seed)
    {
        _mt[0] = seed;
        for (var i = 1; i < N; i++) _mt[i] = 1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i;
        _pos = N;
    }

    public uint NextUInt32()
    {
        if (_pos >= N)
        {
            for (var k = 0; k < N; k++)
            {
                var y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7fffffffu);
                _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
            }

            _pos = 0;
        }

        var v = _mt[_pos++];
        v ^= v >> 11;
        v ^= (v << 7) & 0x9d2c5680u;
        v ^= (v << 15) & 0xefc60000u;
        v ^= v >> 18;
        return v;
    }

    /// <summary>A uniform integer in [0, max] by masked rejection (<c>random_interval</c>).</summary>
    public uint Interval(uint max)
    {
        if (max == 0) return 0;
        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max)
        {
        }

        return value;
    }

    /// <summary><c>randint(high)</c>: [0, high).</summary>
    public int RandInt(int high) => (int)Interval((uint)(high - 1));

    /// <summary><c>shuffle(list)</c>: Fisher-Yates from the end.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (var i = items.Count - 1; i >= 1; i--)
        {
            var j = (int)Interval((uint)i);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><c>permutation(n)</c>.</summary>
    public int[] Permutation(int n)
    {
        var items = Enumerable.Range(0, n).ToArray();
        Shuffle(items);
        return items;
    }

    /// <summary><c>choice(items)</c>.</summary>
    public T Choice<T>(IReadOnlyList<T> items) => items[RandInt(items.Count)];
}
