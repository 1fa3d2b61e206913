using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

[Collection(TorchGroup.Name)]
public sealed class HeldScalarsTests
{
    [Fact]
    public void Times_AndClamped_GiveWhatTheImplicitScalarsGive_AndTheHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -2f, 0.25f, 3f, 1e-9f });
        var tiny = (float)(1e-9f * 0.375);

        Assert.Equal(new float[] { -0.75f, 0.09375f, 1.125f, tiny }, x.Times(0.375).data<float>().ToArray());
        Assert.Equal((x * 0.375).data<float>().ToArray(), x.Times(0.375).data<float>().ToArray());
        Assert.Equal(x.clamp(1e-7, 1).data<float>().ToArray(), x.Clamped(1e-7, 1).data<float>().ToArray());
        Assert.Equal(new float[] { 1e-7f, 0.25f, 1f, 1e-7f }, x.Clamped(1e-7, 1).data<float>().ToArray());
        Assert.Equal(new float[] { -1.5f, 0.75f, 3.5f, 0.5f }, x.Plus(0.5).data<float>().ToArray());
        Assert.Equal((x + 0.5).data<float>().ToArray(), x.Plus(0.5).data<float>().ToArray());
        Assert.Equal(new float[] { -8f, 1f, 12f, 4e-9f }, x.DividedBy(0.25).data<float>().ToArray());
        Assert.Equal((x / 0.3).data<float>().ToArray(), x.DividedBy(0.3).data<float>().ToArray());
    }

    [Fact]
    public void Plus_AddsTensors_IntegralOnesToo()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new long[] { 1, 2, 3 });
        var b = tensor(new long[] { 10, 20, 30 });
        Assert.Equal(new long[] { 11, 22, 33 }, a.Plus(b).data<long>().ToArray());
        var x = tensor(new float[] { 0.5f, -1f });
        Assert.Equal(new float[] { 0.75f, -0.5f }, x.Plus(tensor(new float[] { 0.25f, 0.5f })).data<float>().ToArray());
    }

    [Fact]
    public void Times_CarriesTheGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, -4f }, requires_grad: true);

        x.Times(2.5).sum().backward();

        Assert.Equal(new float[] { 2.5f, 2.5f }, x.grad!.data<float>().ToArray());
    }
}
