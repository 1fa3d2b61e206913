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
        Assert.Equal([0L, 1L, 1L, 0L], encoded.Indices);                 // tablet unseen, null → 0
        Assert.Equal([-1.5f, -0.5f, 0.5f, 1.5f], encoded.Values);
        Assert.Equal([1f, 0f, 0f, 1f], encoded.Clicked);
        Assert.Equal([1f, 0f, 0f, 0f], encoded.Converted);
    }
}
