using Batch.Modeling.Architectures;
using Batch.Tests.Support;
using Batch.Core.Options;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

[Collection(TorchGroup.Name)]
public class InteractionTests
{
    [Fact]
    public void Fm_GivesTheInnerProductOfEveryPairOfFields()
    {
        using var scope = NewDisposeScope();
        // One row, three fields of dimension 2: e1 = (1, 2), e2 = (3, 4), e3 = (0, 1).
        // ⟨e1, e2⟩ = 3 + 8 = 11, ⟨e1, e3⟩ = 2, ⟨e2, e3⟩ = 4.
        using var fm = new FmInteraction(3);
        var pairs = fm.call(tensor(new float[] { 1, 2, 3, 4, 0, 1 }, [1, 3, 2]));
        Assert.Equal(3, fm.OutputDim);
        Assert.Equal([11f, 2f, 4f], pairs.data<float>().ToArray());
    }

    [Fact]
    public void CrossLayer_IsX0TimesTheAffineMapOfXPlusX()
    {
        using var scope = NewDisposeScope();
        using var cross = new CrossNetwork(2, layers: 2);
        var linears = cross.modules().OfType<TorchSharp.Modules.Linear>().ToList();
        using (no_grad())
        {
            // Layer 1: W = [[1, 0], [0, 1]], b = 0; layer 2: W = [[0, 1], [1, 0]], b = (1, 0).
            linears[0].weight!.copy_(tensor(new float[] { 1, 0, 0, 1 }, [2, 2]));
            linears[0].bias!.zero_();
            linears[1].weight!.copy_(tensor(new float[] { 0, 1, 1, 0 }, [2, 2]));
            linears[1].bias!.copy_(tensor(new float[] { 1, 0 }));
        }
        // x0 = (1, 2). x1 = x0 ⊙ (x0) + x0 = (2, 6). x2 = x0 ⊙ ((6, 2) + (1, 0)) + x1 = (7, 4) + (2, 6) = (9, 10).
        var x = cross.call(tensor(new float[] { 1, 2 }, [1, 2]));
        Assert.Equal([9f, 10f], x.data<float>().ToArray());
    }

    [Fact]
    public void FeatureInput_WithFm_AppendsOnePairValuePerPairOfFields_AndRefusesMixedSizes()
    {
        using var scope = NewDisposeScope();
        using var input = new FeatureInput([3, 2, 4], [4, 4, 4], numericCount: 1, new ArchitectureOptions { Interaction = "fm" });
        Assert.Equal(3 * 4 + 1 + 3, input.OutputDim);
        var x = input.call(tensor(new long[] { 1, 0, 3 }, [1, 3]), tensor(new float[] { 0.5f }, [1, 1]));
        Assert.Equal([1L, 16L], x.shape);
        Assert.Throws<ArgumentException>(() => new FeatureInput([3, 2], [4, 3], 1, new ArchitectureOptions { Interaction = "fm" }));
    }

    [Fact]
    public void FeatureInput_StartsItsTablesAtTheConfiguredSpread()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var narrow = new FeatureInput([5000, 3000], [8, 8], numericCount: 0, new ArchitectureOptions { EmbeddingInitStd = 0.05 });
        manual_seed(3);
        using var plain = new FeatureInput([5000, 3000], [8, 8], numericCount: 0, new ArchitectureOptions()); // the default model's 0.3
        double Std(FeatureInput input, int table) => input.parameters().ElementAt(table).std().item<float>();
        // 40 000 and 24 000 draws: the sample deviation is within 2 % of the configured one.
        Assert.InRange(Std(narrow, 0), 0.049, 0.051);
        Assert.InRange(Std(narrow, 1), 0.049, 0.051);
        Assert.InRange(Std(plain, 0), 0.294, 0.306);
        Assert.Contains(new ArchitectureOptions { EmbeddingInitStd = 0 }.Problems(), p => p.Contains("EmbeddingInitStd", StringComparison.Ordinal));
    }
}
