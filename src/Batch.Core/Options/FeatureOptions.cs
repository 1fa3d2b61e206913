namespace Batch.Core.Options;

/// <summary>
/// The feature specification of a model: which impression columns, how each is encoded, and which crosses of
/// categorical columns are added. Every encoder is fitted on the training window only.
/// </summary>
public sealed class FeatureOptions
{
    public const string None = "none";
    public const string Log1p = "log1p";
    public const string Clip = "clip";
    public const string Quantile = "quantile";

    /// <summary>Impression columns embedded as categories.</summary>
    public List<string> Categorical { get; set; } = [];

    /// <summary>Impression columns used as numbers (transformed, then standardised) or, with <c>quantile</c>, as buckets.</summary>
    public List<string> Numeric { get; set; } = [];

    /// <summary>Categories seen fewer times than this in the training window share the out-of-vocabulary slot.</summary>
    public int MinCount { get; set; } = 1;

    /// <summary>Per-column settings, by column name; a column without an entry takes the defaults.</summary>
    public Dictionary<string, ColumnOptions> Columns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Crosses of categorical columns, each a category of its own.</summary>
    public List<CrossOptions> Crosses { get; set; } = [];

    public ColumnOptions For(string column) => Columns.TryGetValue(column, out var options) ? options : new ColumnOptions();

    public IEnumerable<string> Problems()
    {
        foreach (var (column, options) in Columns)
        {
            if (!Categorical.Contains(column, StringComparer.Ordinal) && !Numeric.Contains(column, StringComparer.Ordinal))
                yield return $"Features:Columns names '{column}', which is neither a categorical nor a numeric feature";
            if (options.HashBuckets < 0) yield return $"Features:Columns:{column}:HashBuckets must not be negative";
            if (options.EmbeddingDim < 0) yield return $"Features:Columns:{column}:EmbeddingDim must not be negative";
            if (options.Transform is not (None or Log1p or Clip or Quantile))
                yield return $"Features:Columns:{column}:Transform must be {None}, {Log1p}, {Clip} or {Quantile}";
            if (options.Transform == Clip && !(options.ClipMin < options.ClipMax))
                yield return $"Features:Columns:{column}: clip needs ClipMin < ClipMax";
            if (options.Transform == Quantile && options.QuantileBuckets < 2)
                yield return $"Features:Columns:{column}:QuantileBuckets must be at least 2";
            if (options.Transform != None && !Numeric.Contains(column, StringComparer.Ordinal))
                yield return $"Features:Columns:{column}: a transform applies to numeric features only";
        }
        foreach (var cross in Crosses)
        {
            if (cross.Columns.Count is < 2 or > 3) yield return $"Features:Crosses: a cross joins 2 or 3 columns ({string.Join(" × ", cross.Columns)})";
            foreach (var column in cross.Columns.Where(c => !Categorical.Contains(c, StringComparer.Ordinal)))
                yield return $"Features:Crosses: '{column}' is not a categorical feature";
            if (cross.HashBuckets < 0) yield return "Features:Crosses: HashBuckets must not be negative";
        }
    }
}

/// <summary>How one column is encoded.</summary>
public sealed class ColumnOptions
{
    /// <summary>Categorical: 0 keeps a vocabulary of the values seen <c>MinCount</c> times; more hashes into this many buckets.</summary>
    public int HashBuckets { get; set; }

    /// <summary>Categorical (and quantile buckets): the embedding size; 0 takes the architecture's <c>EmbeddingDim</c>.</summary>
    public int EmbeddingDim { get; set; }

    /// <summary>Numeric: none, log1p or clip, then standardised — or quantile, buckets used as a category.</summary>
    public string Transform { get; set; } = FeatureOptions.None;

    public double? ClipMin { get; set; }
    public double? ClipMax { get; set; }

    /// <summary>Numeric with <c>quantile</c>: how many buckets of equal count the training window is cut into.</summary>
    public int QuantileBuckets { get; set; } = 10;
}

/// <summary>A cross of 2 or 3 categorical columns: their values joined into one category.</summary>
public sealed class CrossOptions
{
    public List<string> Columns { get; set; } = [];

    /// <summary>0 keeps a vocabulary of the combinations seen <c>MinCount</c> times; more hashes into this many buckets.</summary>
    public int HashBuckets { get; set; }

    /// <summary>The embedding size; 0 takes the architecture's <c>EmbeddingDim</c>.</summary>
    public int EmbeddingDim { get; set; }

    public string Name => string.Join("×", Columns);
}
