using Batch.Core.Options;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Training:InversePropensityCvrReaches — which parameters the inverse-propensity conversion loss trains.</summary>
[Collection(TorchGroup.Name)]
public class InversePropensityTermTests
{
    [Theory]
    [InlineData(InversePropensityReach.Everything)]
    [InlineData(InversePropensityReach.AboveTables)]
    [InlineData(InversePropensityReach.ConversionTask)]
    public void TheTermsGradient_ReachesExactlyTheNamedParameters(InversePropensityReach reach)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 3); // a seed whose conversion tower is alive at the start
        var network = model.Network;
        network.eval();
        var (_, batch) = encoders.Encode(frame).InOrder(256).Single();
        var parameters = network.named_parameters().ToList();

        // The parameters' gradients after one backward pass of the two task losses as a fixed-weight balancer sums them.
        Tensor[] Gradients(double weight, InversePropensityReach scope)
        {
            network.zero_grad();
            var term = new InversePropensityTerm(network, new TrainingOptions { InversePropensityCvrWeight = weight, InversePropensityCvrReaches = scope });
            var indices = tensor(batch.Indices, [batch.Count, batch.CategoricalCount], dtype: int32).to_type(int64);
            var values = tensor(batch.Values, [batch.Count, batch.NumericCount], dtype: float32);
            var logits = network.forward(indices, values);
            var (clicked, converted) = (tensor(batch.Clicked), tensor(batch.Converted));
            var (ctr, ctcvr) = Esmm.Losses(logits, clicked, converted);
            var losses = term.Losses(logits, clicked, converted, ctr, ctcvr);
            (losses[0] + losses[1]).backward();
            term.AddGradients();
            return parameters.Select(p => p.parameter.grad is { } g ? g.detach().clone() : zeros_like(p.parameter)).ToArray();
        }

        var without = Gradients(0, reach);
        var full = Gradients(2, InversePropensityReach.Everything).Zip(without, (a, b) => a - b).ToArray(); // the term's whole gradient
        var scoped = Gradients(2, reach).Zip(without, (a, b) => a - b).ToArray();

        var conversionOwn = network.TaskParameters(Esmm.CvrTask).ToHashSet(ReferenceEqualityComparer.Instance);
        bool Reaches(string name, object parameter) => reach switch
        {
            InversePropensityReach.Everything => true,
            InversePropensityReach.AboveTables => !name.StartsWith("deep.input.embeddings.", StringComparison.Ordinal),
            _ => conversionOwn.Contains(parameter),
        };
        for (var i = 0; i < parameters.Count; i++)
        {
            var (name, parameter) = parameters[i];
            var expected = Reaches(name, parameter) ? full[i] : zeros_like(full[i]);
            Assert.True(scoped[i].allclose(expected, rtol: 1e-4, atol: 1e-7), $"{reach}: {name}");
            if (name.StartsWith("deep.towers.heads.0.", StringComparison.Ordinal)) Assert.Equal(0, full[i].abs().max().item<float>()); // pCTR is the propensity only
        }
        // The term does reach the tables, the shared experts and the conversion head when let.
        Assert.True(full[parameters.FindIndex(p => p.name == "deep.input.embeddings.0.weight")].abs().max().item<float>() > 0);
        Assert.True(full[parameters.FindIndex(p => p.name == "deep.towers.heads.1.weight")].abs().max().item<float>() > 0);
        Assert.True(full[parameters.FindIndex(p => p.name == "deep.levels.0.shared.0.layers.linear0.weight")].abs().max().item<float>() > 0);
    }

    [Fact]
    public void TheReach_IsWrittenByNameInTheManifest_AndAnUnknownOneIsRefused()
    {
        var options = new TrainingOptions { InversePropensityCvrWeight = 1, InversePropensityCvrReaches = InversePropensityReach.AboveTables };
        Assert.Contains("\"inversePropensityCvrReaches\": \"AboveTables\"", System.Text.Json.JsonSerializer.Serialize(options, Batch.Publishing.ModelManifest.Json), StringComparison.Ordinal);
        Assert.Contains(new TrainingOptions { InversePropensityCvrReaches = (InversePropensityReach)7 }.Problems(),
            p => p.Contains("InversePropensityCvrReaches must be one of Everything, AboveTables, ConversionTask", StringComparison.Ordinal));
    }
}
