using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Features;
using Batch.Modeling.Plugins;
using Batch.Modeling.Training;
using Xunit;

namespace Batch.Tests.Modeling;

/// <summary>Tiny, hand-made frames and sizes for the modeling tests.</summary>
internal static class ModelingFixtures
{
    public static FeatureOptions Features => new() { Categorical = ["device", "segment"], Numeric = ["price"], MinCount = 1 };

    public static ArchitectureOptions Ple(int levels = 2) => Architecture("ple", levels);

    /// <summary>
    /// Small sizes that give every architecture something of each part; "+wide" adds the wide part, "+shortcut" the
    /// shortcut, "+fm" and "+dcn-v2" the interaction layer, "+task-embeddings" PLE's and CGC's tables per task.
    /// </summary>
    public static ArchitectureOptions Architecture(string name, int levels = 2) => Batch.Lab.Benchmarks.ArchitectureVariants.Options(name, new ArchitectureOptions
    {
        EmbeddingDim = 4, ExpertHidden = [8, 6], TowerHidden = [4],
    }
        .With("omoe", new ExpertPoolSettings { Experts = 3 }).With("mmoe", new ExpertPoolSettings { Experts = 3 })
        .With("cgc", new CgcSettings { SpecificExperts = 1, SharedExperts = 2 })
        .With("ple", new PleSettings { Levels = levels, SpecificExperts = 1, SharedExperts = 2 })
        .With("snr-trans", new SnrSettings { SubNetworks = [3, 2], L0Weight = 1e-3 })
        .With("snr-aver", new SnrSettings { SubNetworks = [3, 2], L0Weight = 1e-3 }));

    /// <summary>Every architecture, and some with the wide part, the shortcut and the interaction layers.</summary>
    public static IReadOnlyList<string> ArchitectureNames =>
        [.. Registries.Architectures.Names, "ple+wide", "mmoe+wide", "single-task+wide", "ple+fm", "shared-bottom+fm", "mmoe+dcn-v2", "ple+dcn-v2+wide", "ple+fm+shortcut", "single-task+fm+wide+shortcut",
         "ple+task-embeddings+fm+wide+shortcut", "cgc+task-embeddings"];

    public static TheoryData<string> AllArchitectures() => [.. ArchitectureNames];

    /// <summary>A frame of n rows with encoders fitted on it.</summary>
    public static (DayFrame Frame, FeatureEncoders Encoders) Fitted(int n)
    {
        var frame = Frame(n);
        return (frame, FeatureEncoders.Fit(frame, Features));
    }

    /// <summary>n rows where the click depends on the device and the conversion on the price.</summary>
    public static DayFrame Frame(int n, int seed = 3)
    {
        var random = new Random(seed);
        var device = new int[n];
        var segment = new int[n];
        var price = new double[n];
        var clicked = new bool[n];
        var converted = new bool[n];
        for (var i = 0; i < n; i++)
        {
            device[i] = random.Next(3);
            segment[i] = random.Next(2);
            price[i] = 10 + 90 * random.NextDouble();
            clicked[i] = random.NextDouble() < (device[i] == 0 ? 0.6 : 0.1);
            converted[i] = clicked[i] && random.NextDouble() < (price[i] < 40 ? 0.7 : 0.1);
        }
        return new DayFrame
        {
            FirstDay = new DateOnly(2026, 1, 1),
            LastDay = new DateOnly(2026, 1, 1),
            Ids = Enumerable.Range(1, n).Select(i => (long)i).ToArray(),
            DayOffsets = new short[n],
            Clicked = clicked,
            Converted = converted,
            Categorical =
            [
                new CategoricalColumn("device", ["mobile", "desktop", "tablet"], device),
                new CategoricalColumn("segment", ["new", "loyal"], segment),
            ],
            Numeric = [new NumericColumn("price", price)],
        };
    }

    /// <summary>
    /// A shop's four tasks: ctr, cart given ctr, purchase given cart (main, binary), and the order value (an auxiliary
    /// regression), or the first three alone.
    /// </summary>
    public static TaskSet ShopTasks(bool value = true) => new(
    [
        new TaskOptions { Name = "ctr", Label = new TaskLabel { Column = "clicked" } },
        new TaskOptions { Name = "cart", Label = new TaskLabel { Event = "carts" }, Given = "ctr" },
        new TaskOptions { Name = "purchase", Label = new TaskLabel { Event = "conversions" }, Given = "cart" },
        .. value ? [new TaskOptions { Name = "value", Label = new TaskLabel { Event = "conversions", Value = "amount" }, Kind = TaskOptions.Regression, Role = TaskOptions.Auxiliary }] : Array.Empty<TaskOptions>(),
    ]);

    /// <summary>
    /// <paramref name="frame"/> encoded with the shop's targets: a click, a cart for every purchase and every other
    /// click without one, the purchase, and its value (the price) where there is one.
    /// </summary>
    public static EncodedFrame ShopEncoded(DayFrame frame, FeatureEncoders encoders, bool value = true)
    {
        var encoded = encoders.Encode(frame);
        var tasks = ShopTasks(value);
        var price = frame.Numeric.Single(c => c.Name == "price").Values;
        var n = tasks.Count;
        var targets = new float[frame.Count * n];
        for (var i = 0; i < frame.Count; i++)
        {
            double[] labels = [frame.Clicked[i] ? 1 : 0, ShopCart(frame, i) ? 1 : 0, frame.Converted[i] ? 1 : 0, frame.Converted[i] ? price[i] : 0];
            for (var t = 0; t < n; t++) targets[i * n + t] = tasks.Target(t, labels[t]);
        }
        return encoded with { Targets = targets, TaskCount = n };
    }

    /// <summary>Whether impression <paramref name="i"/> of a shop frame has a cart: every purchase, and every other click.</summary>
    public static bool ShopCart(DayFrame frame, int i) => frame.Clicked[i] && (frame.Converted[i] || i % 2 == 0);
}
