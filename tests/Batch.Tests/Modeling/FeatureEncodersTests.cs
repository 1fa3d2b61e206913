using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Modeling.Features;
using Xunit;

namespace Batch.Tests.Modeling;

public class FeatureEncodersTests
{
    private static DayFrame Frame() => new()
    {
        FirstDay = new DateOnly(2026, 1, 1),
        LastDay = new DateOnly(2026, 1, 1),
        Ids = [1, 2, 3, 4],
        DayOffsets = [0, 0, 0, 0],
        Clicked = [true, false, false, true],
        Converted = [true, false, false, false],
        Categorical = [new CategoricalColumn("device", ["tablet", "mobile", "desktop"], [0, 1, 1, -1])],
        Numeric = [new NumericColumn("price", [1, 3, 5, 7])],
    };

    [Fact]
    public void Fit_SortsTheVocabularyAndDropsRareValues()
    {
        var encoders = FeatureEncoders.Fit(Frame(), new FeatureOptions { Categorical = ["device"], Numeric = ["price"], MinCount = 1 });
        Assert.Equal(["mobile", "tablet"], encoders.Categorical[0].Values); // desktop never occurs
        Assert.Equal(3, encoders.Cardinalities[0]);                         // plus the shared slot 0

        var strict = FeatureEncoders.Fit(Frame(), new FeatureOptions { Categorical = ["device"], Numeric = ["price"], MinCount = 2 });
        Assert.Equal(["mobile"], strict.Categorical[0].Values);
    }

    [Fact]
    public void Fit_StandardisesNumbersWithThePopulationDeviation()
    {
        var encoders = FeatureEncoders.Fit(Frame(), new FeatureOptions { Categorical = ["device"], Numeric = ["price"] });
        Assert.Equal(4.0, encoders.Numeric[0].Mean, 12);
        Assert.Equal(Math.Sqrt(5.0), encoders.Numeric[0].Std, 12); // ((9+1+1+9)/4)
    }

    [Fact]
    public void Encode_MapsUnknownAndNullToSlotZero()
    {
        var encoders = new FeatureEncoders([new CategoricalEncoder("device", ["mobile"])], [new NumericEncoder("price", 4, 2)]);
        var encoded = encoders.Encode(Frame());
        Assert.Equal([0, 1, 1, 0], encoded.Indices);                 // tablet unseen, null → 0
        Assert.Equal([-1.5f, -0.5f, 0.5f, 1.5f], encoded.Values);
        Assert.Equal(2, encoded.TaskCount);
        Assert.Equal([1f, 0f, 0f, 1f], encoded.TargetsOf(0)); // clicked
        Assert.Equal([1f, 0f, 0f, 0f], encoded.TargetsOf(1)); // converted
        Assert.Equal([2.0, 1.0], encoded.TargetSums);
    }

    private static DayFrame Shop() => new()
    {
        FirstDay = new DateOnly(2026, 1, 1),
        LastDay = new DateOnly(2026, 1, 1),
        Ids = [1, 2, 3, 4, 5],
        DayOffsets = [0, 0, 0, 0, 0],
        Clicked = [true, false, false, true, false],
        Converted = [false, false, false, true, false],
        Categorical =
        [
            new CategoricalColumn("segment", ["new", "loyal"], [0, 1, 0, 1, -1]),
            new CategoricalColumn("category", ["toys", "books"], [0, 0, 1, 0, 1]),
        ],
        Numeric = [new NumericColumn("price", [0, Math.E - 1, 3, 10, double.NaN])],
    };

    [Fact]
    public void StableHash_IsFnv1a_SoTheSameValueLandsInTheSameBucketEverywhere()
    {
        Assert.Equal(0xcbf29ce484222325UL, StableHash.Fnv1a(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, StableHash.Fnv1a("a"));
        Assert.Equal(7, StableHash.Bucket("a", 10));
        Assert.Equal(424, StableHash.Bucket("mobile", 1000));
    }

    [Fact]
    public void HashedColumns_NeedNoVocabulary_AndNeverLoseAValue()
    {
        var options = new FeatureOptions { Categorical = ["segment", "category"], Columns = { ["segment"] = new() { HashBuckets = 1000, EmbeddingDim = 3 } } };
        var encoders = FeatureEncoders.Fit(Shop(), options);
        Assert.Equal((1001, 3), (encoders.Categorical[0].Cardinality, encoders.EmbeddingDims[0]));
        var encoded = encoders.Encode(Shop());
        Assert.Equal([StableHash.Bucket("new", 1000), StableHash.Bucket("loyal", 1000), StableHash.Bucket("new", 1000), StableHash.Bucket("loyal", 1000), 0],
            Enumerable.Range(0, 5).Select(i => (long)encoded.Indices[i * 2]));
    }

    [Fact]
    public void QuantileBuckets_CutTheWindowAtItsQuantiles_AndBecomeAField()
    {
        // 1 … 10 in 4 buckets: edges at the values of ranks 2, 5 and 7 (0-based) → 3, 6 and 8.
        Assert.Equal([3.0, 6.0, 8.0], QuantileEdges.Fit(Enumerable.Range(1, 10).Select(i => (double)i), 4));
        var bucket = new BucketEncoder("price", [3.0, 6.0, 8.0]);
        Assert.Equal([1L, 2L, 3L, 4L, 0L], new[] { 2.9, 3.0, 7.0, 100.0, double.NaN }.Select(bucket.Index));
        Assert.Equal(5, bucket.Cardinality);

        var options = new FeatureOptions { Categorical = ["segment"], Numeric = ["price"], Columns = { ["price"] = new() { Transform = FeatureOptions.Quantile, QuantileBuckets = 2 } } };
        var encoders = FeatureEncoders.Fit(Shop(), options);
        Assert.Equal((0, 1), (encoders.Numeric.Count, encoders.Buckets.Count));
        Assert.Equal([3.0], encoders.Buckets[0].Edges); // finite prices 0, 1.72, 3, 10: the median rank is 2 → 3
        var encoded = encoders.Encode(Shop());
        Assert.Equal(3, encoded.CategoricalCount); // the frame's two categorical columns, then the price buckets
        Assert.Equal([1, 1, 2, 2, 0], Enumerable.Range(0, 5).Select(i => encoded.Indices[i * 3 + 2]));
    }

    [Fact]
    public void Log1pAndClip_TransformBeforeStandardising()
    {
        var log = FeatureEncoders.Fit(Shop(), new FeatureOptions { Numeric = ["price"], Columns = { ["price"] = new() { Transform = FeatureOptions.Log1p } } }).Numeric[0];
        double[] logs = [0, 1, Math.Log(4), Math.Log(11)];
        Assert.Equal(logs.Average(), log.Mean, 12);
        Assert.Equal((1 - log.Mean) / log.Std, log.Encode(Math.E - 1), 5);

        var clip = new NumericEncoder("price", 1, 2, FeatureOptions.Clip, 0, 5);
        Assert.Equal([-0.5f, 2f, 2f], new[] { -3.0, 5.0, 50.0 }.Select(clip.Encode));
        Assert.Throws<InvalidDataException>(() => log.Encode(-2));
    }

    [Fact]
    public void Crosses_JoinTheRawValues_KeepTheFrequentOnes_AndSendNullsAndUnknownsToSlotZero()
    {
        var options = new FeatureOptions
        {
            Categorical = ["segment", "category"], MinCount = 2,
            Crosses = [new() { Columns = ["segment", "category"] }],
        };
        var encoders = FeatureEncoders.Fit(Shop(), options);
        // Combinations: new×toys ×1, loyal×toys ×2, new×books ×1 (the fifth row's segment is null): only loyal×toys stays.
        Assert.Equal(["loyal\u001ftoys"], encoders.Crosses[0].Values);
        Assert.Equal(["segment", "category", "segment×category"], encoders.FieldNames);
        var encoded = encoders.Encode(Shop());
        Assert.Equal([0, 1, 0, 1, 0], Enumerable.Range(0, 5).Select(i => encoded.Indices[i * 3 + 2]));
    }

    [Fact]
    public void OldManifests_WithoutTheNewSettings_StillRead()
    {
        const string Old = """{"categorical":[{"column":"device","values":["mobile"]}],"numeric":[{"column":"price","mean":4,"std":2}]}""";
        var encoders = System.Text.Json.JsonSerializer.Deserialize<FeatureEncoders>(Old, Batch.Publishing.ModelManifest.Json)!;
        Assert.Equal((0, FeatureOptions.None), (encoders.Categorical[0].HashBuckets, encoders.Numeric[0].Transform));
        Assert.Empty(encoders.Crosses);
        Assert.Equal([0, 1, 1, 0], encoders.Encode(Frame()).Indices);
    }
}
