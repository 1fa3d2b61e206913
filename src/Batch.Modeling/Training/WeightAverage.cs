using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// An exponential moving average of a network's parameters over the training steps (Polyak averaging, as
/// TensorFlow's <c>ExponentialMovingAverage</c> keeps it): after step t, average ← d·average + (1 − d)·weights with
/// d = min(decay, (1 + t) / (10 + t)), so that the first steps, far from where training ends, do not hold the average
/// back. <see cref="Applied"/> puts the average into the network for as long as it is held (validation, the kept
/// epoch's copy), <see cref="Apply"/> for good.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _averages;
    private readonly double _decay;
    private long _steps;

    public WeightAverage(nn.Module network, double decay)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The averaging decay must lie between 0 and 1 (both excluded).");
        _decay = decay;
        _parameters = network.parameters().ToArray();
        using var _ = no_grad();
        _averages = _parameters.Select(p => p.detach().clone().DetachFromDisposeScope()).ToArray();
    }

    /// <summary>The decay the next <see cref="Update"/> uses.</summary>
    public double NextDecay => Math.Min(_decay, (1.0 + _steps + 1) / (10.0 + _steps + 1));

    /// <summary>Moves the average toward the network's current weights; call after every optimizer step.</summary>
    public void Update()
    {
        var decay = NextDecay;
        _steps++;
        using var _ = no_grad();
        using var keep = decay.ToScalar();
        using var take = (1 - decay).ToScalar();
        for (var i = 0; i < _parameters.Length; i++) _averages[i].mul_(keep).add_(_parameters[i], take);
    }

    /// <summary>The network holds the averaged weights until the returned handle is disposed, then its own again.</summary>
    public IDisposable Applied()
    {
        Swap();
        return new SwapBack(this);
    }

    /// <summary>The network takes the averaged weights for good.</summary>
    public void Apply()
    {
        using var _ = no_grad();
        for (var i = 0; i < _parameters.Length; i++) _parameters[i].copy_(_averages[i]);
    }

    private void Swap()
    {
        using var _ = no_grad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            using var held = _parameters[i].detach().clone();
            _parameters[i].copy_(_averages[i]);
            _averages[i].copy_(held);
        }
    }

    public void Dispose()
    {
        foreach (var average in _averages) average.Dispose();
    }

    private sealed class SwapBack(WeightAverage average) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            average.Swap();
        }
    }
}
