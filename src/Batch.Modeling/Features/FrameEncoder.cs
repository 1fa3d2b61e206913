using Batch.Core.Frames;
using Batch.Modeling.Training;

namespace Batch.Modeling.Features;

/// <summary>
/// Encodes frames one after another with <see cref="FeatureEncoders"/>: each encoder's lookup is built once, a
/// frame's vocabulary is mapped to table rows once however many frames share it (the parts of one day do), and a
/// cross's keys are looked up once each. Encode the parts of a window or a day with one of these.
/// </summary>
public sealed class FrameEncoder
{
    private readonly FeatureEncoders _encoders;
    private readonly Func<string?, long>[] _categorical;
    private readonly Func<string?, long>[] _crosses;
    private readonly (IReadOnlyList<string>? Vocabulary, int[] Map)[] _maps;
    private readonly Dictionary<string, int>[] _crossSlots;

    /// <param name="tasks">the tasks whose targets each row carries; null for <see cref="TaskSet.Default"/></param>
    public FrameEncoder(FeatureEncoders encoders, TaskSet? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        _encoders = encoders;
        Tasks = tasks ?? TaskSet.Default;
        _categorical = encoders.Categorical.Select(e => e.Indexer()).ToArray();
        _crosses = encoders.Crosses.Select(e => e.Indexer()).ToArray();
        _maps = new (IReadOnlyList<string>?, int[])[encoders.Categorical.Count];
        _crossSlots = encoders.Crosses.Select(_ => new Dictionary<string, int>(StringComparer.Ordinal)).ToArray();
    }

    /// <summary>The tasks whose targets each encoded row carries, from the frame's labels they name.</summary>
    public TaskSet Tasks { get; }

    /// <summary>Encodes a frame into row-major field indices, numeric values and the targets of <see cref="Tasks"/>.</summary>
    public EncodedFrame Encode(DayFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var e = _encoders;
        var n = frame.Count;
        var c = e.Categorical.Count + e.Buckets.Count + e.Crosses.Count;
        // Table rows fit in an int: half the memory of longs for the largest array a run holds.
        var indices = new int[n * c];
        var field = 0;
        for (var j = 0; j < e.Categorical.Count; j++, field++)
        {
            var column = FeatureEncoders.Column(frame, e.Categorical[j].Column);
            var map = Map(j, column.Vocabulary);
            for (var i = 0; i < n; i++) indices[i * c + field] = column.Codes[i] < 0 ? 0 : map[column.Codes[i]];
        }
        foreach (var encoder in e.Buckets)
        {
            var values = FeatureEncoders.NumericColumn(frame, encoder.Column).Values;
            for (var i = 0; i < n; i++) indices[i * c + field] = checked((int)encoder.Index(values[i]));
            field++;
        }
        for (var j = 0; j < e.Crosses.Count; j++, field++)
        {
            var keys = FeatureEncoders.CrossKeys(frame, e.Crosses[j].Columns);
            var slots = _crossSlots[j];
            for (var i = 0; i < n; i++)
            {
                var key = keys[i];
                if (key is null) continue; // slot 0
                if (!slots.TryGetValue(key, out var slot)) slots[key] = slot = checked((int)_crosses[j](key));
                indices[i * c + field] = slot;
            }
        }
        var k = e.Numeric.Count;
        var numbers = new float[n * k];
        for (var j = 0; j < k; j++)
        {
            var values = FeatureEncoders.NumericColumn(frame, e.Numeric[j].Column).Values;
            for (var i = 0; i < n; i++) numbers[i * k + j] = e.Numeric[j].Encode(values[i]);
        }
        var (tasks, labels) = (Tasks.Count, Tasks.LabelKeys.Select(frame.Label).ToArray());
        var targets = new float[n * tasks];
        for (var t = 0; t < tasks; t++)
        {
            var label = labels[t];
            for (var i = 0; i < n; i++) targets[i * tasks + t] = Tasks.Target(t, label(i));
        }
        return new EncodedFrame(n, indices, c, numbers, k, targets, tasks);
    }

    /// <summary>Table rows of a vocabulary's values (one lookup per distinct value), kept while frames share the vocabulary.</summary>
    private int[] Map(int column, IReadOnlyList<string> vocabulary)
    {
        if (ReferenceEquals(_maps[column].Vocabulary, vocabulary)) return _maps[column].Map;
        var map = vocabulary.Select(v => checked((int)_categorical[column](v))).ToArray();
        _maps[column] = (vocabulary, map);
        return map;
    }
}
