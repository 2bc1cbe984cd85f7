using Encore.Tracks;

namespace Encore.Similarity;

/// <summary>
/// Collects one bucket's entries of a partition batch as they come, interleaved across items, and
/// groups them by item into a <see cref="CoOccurrenceDelta"/>. Each sort of entry is kept in one list
/// with the slot of its item beside it, so an item costs a slot number and a list per sort costs two
/// arrays, whatever the number of items. <see cref="Clear"/> keeps the lists' room for the next batch.
/// </summary>
public sealed class CoOccurrenceDeltaBuilder
{
    private readonly List<string> _items = [];
    private readonly List<int> _numbers = [];
    private readonly Entries<long> _occurrences = new();
    private readonly Entries<CoOccurrenceHit> _hits = new();
    private readonly Entries<CoListenHit> _coListens = new();
    private readonly Entries<TrackPlay> _plays = new();

    /// <summary>The oldest offset of any entry added, <see cref="long.MaxValue"/> while there is none.</summary>
    public long FirstOffset { get; private set; } = long.MaxValue;

    public bool IsEmpty => _items.Count == 0;

    /// <summary>Adds an item and returns its slot, which the Add methods take; the caller adds each item once.</summary>
    /// <param name="number">The item's number in the numbering given to <see cref="Build"/>; 0 when there is none.</param>
    public int AddItem(string item, int number = 0)
    {
        _items.Add(item);
        _numbers.Add(number);
        return _items.Count - 1;
    }

    public void AddOccurrence(int slot, long offset)
    {
        _occurrences.Add(slot, offset);
        Saw(offset);
    }

    public void AddHit(int slot, CoOccurrenceHit hit)
    {
        _hits.Add(slot, hit);
        Saw(hit.Offset);
    }

    public void AddCoListen(int slot, CoListenHit hit)
    {
        _coListens.Add(slot, hit);
        Saw(hit.Offset);
    }

    public void AddPlay(int slot, TrackPlay play)
    {
        _plays.Add(slot, play);
        Saw(play.Offset);
    }

    /// <param name="itemNumbering">The numbering of the hits' ids (<see cref="CoOccurrenceDelta.ItemNumbering"/>), 0 when they have none.</param>
    public CoOccurrenceDelta Build(int partition, long lastOffset, Guid expectedActivation = default, long itemNumbering = 0) => new(
        partition,
        lastOffset,
        [.. _items],
        _occurrences.Grouped(_items.Count),
        _hits.Grouped(_items.Count),
        _coListens.Grouped(_items.Count),
        _plays.Grouped(_items.Count),
        expectedActivation,
        itemNumbering,
        itemNumbering == 0 ? null : [.. _numbers]);

    public void Clear()
    {
        _items.Clear();
        _numbers.Clear();
        _occurrences.Clear();
        _hits.Clear();
        _coListens.Clear();
        _plays.Clear();
        FirstOffset = long.MaxValue;
    }

    private void Saw(long offset) => FirstOffset = Math.Min(FirstOffset, offset);

    /// <summary>Entries of one sort in arrival order, each with its item's slot.</summary>
    private sealed class Entries<T>
    {
        private readonly List<int> _slots = [];
        private readonly List<T> _values = [];

        public void Add(int slot, T value)
        {
            _slots.Add(slot);
            _values.Add(value);
        }

        public void Clear()
        {
            _slots.Clear();
            _values.Clear();
        }

        /// <summary>A counting sort by slot, stable, so each item keeps its entries in arrival (offset) order.</summary>
        public ItemGroups<T> Grouped(int items)
        {
            if (_values.Count == 0)
            {
                return new ItemGroups<T>([], []);
            }

            // Each item's start, then filled forward: once filled, each start has moved to its item's end.
            var ends = new int[items];
            foreach (var slot in _slots)
            {
                ends[slot]++;
            }

            for (int i = 0, start = 0; i < items; i++)
            {
                (ends[i], start) = (start, start + ends[i]);
            }

            var grouped = new T[_values.Count];
            for (var i = 0; i < _values.Count; i++)
            {
                grouped[ends[_slots[i]]++] = _values[i];
            }

            return new ItemGroups<T>(grouped, ends);
        }
    }
}
