using Batch.Core.Frames;
using Batch.Core.Options;

namespace Batch.Data.Extraction;

/// <summary>Extracted rows gathered into a <see cref="DayFrame"/> in memory.</summary>
/// <param name="labels">the keys of the further labels (<see cref="LabelKeys"/>), in the order they are read; none by default</param>
public sealed class FrameRows(FeatureOptions features, IReadOnlyList<string>? labels = null) : IExtractedRows
{
    private readonly IReadOnlyList<string> _labelKeys = labels ?? [];
    private readonly List<float>[] _labels = (labels ?? []).Select(_ => new List<float>()).ToArray();
    private readonly List<long> _ids = [];
    private readonly List<short> _offsets = [];
    private readonly List<bool> _clicked = [];
    private readonly List<bool> _converted = [];
    private readonly List<int>[] _codes = features.Categorical.Select(_ => new List<int>()).ToArray();
    private readonly List<double>[] _numbers = features.Numeric.Select(_ => new List<double>()).ToArray();

    public int Count => _ids.Count;

    public void Row(long id, short dayOffset, bool clicked, bool converted)
    {
        _ids.Add(id);
        _offsets.Add(dayOffset);
        _clicked.Add(clicked);
        _converted.Add(converted);
    }

    public void Label(int label, float value) => _labels[label].Add(value);

    /// <summary>A frame in memory is trained on, not validated: the content keys are checked on the shards.</summary>
    public void ContentKey(long key)
    {
    }

    public void Categorical(int column, int code) => _codes[column].Add(code);

    public void Numeric(int column, double value) => _numbers[column].Add(value);

    /// <param name="vocabularies">per categorical column, its values in code order</param>
    public DayFrame Frame(DateOnly firstDay, DateOnly lastDay, IReadOnlyList<IReadOnlyList<string>> vocabularies) => new()
    {
        FirstDay = firstDay,
        LastDay = lastDay,
        Ids = [.. _ids],
        DayOffsets = [.. _offsets],
        Clicked = [.. _clicked],
        Converted = [.. _converted],
        Categorical = features.Categorical.Select((name, c) => new CategoricalColumn(name, vocabularies[c], [.. _codes[c]])).ToList(),
        Numeric = features.Numeric.Select((name, n) => new NumericColumn(name, [.. _numbers[n]])).ToList(),
        Labels = _labelKeys.Select((key, l) => new LabelColumn(key, [.. _labels[l]])).ToList(),
    };
}
