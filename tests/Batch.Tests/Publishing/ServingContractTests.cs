using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Publishing;
using Batch.Tests.Modeling;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Publishing;

/// <summary>
/// What the README's "Serving contract" promises: manifest.json and weights.safetensors are enough to score a model
/// outside this project. The reference below reads the manifest's JSON and the safetensors bytes by hand, encodes
/// the raw column values and runs the forward pass as the README writes it, with plain tensor arithmetic — none of
/// the project's encoders or modules — and must give the scores the project gives.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class ServingContractTests
{
    public static TheoryData<string> Served() => ["ple+wide", "ple+fm+wide+shortcut", "cgc", "mmoe+fm", "omoe", "shared-bottom+dcn-v2", "logistic",
        "ple+task-embeddings+fm+wide+shortcut", "cgc+task-embeddings+wide"];

    [Theory]
    [MemberData(nameof(Served))]
    public void TheManifestAndTheWeightsAlone_ScoreAsTheProjectDoes(string architecture) => ScoresAsTheProjectDoes(architecture, TaskSet.Default);

    public static TheoryData<string> ServedWithShopTasks() => ["ple+wide", "mmoe+fm", "shared-bottom+dcn-v2", "ple+task-embeddings+fm+wide+shortcut", "logistic"];

    [Theory]
    [MemberData(nameof(ServedWithShopTasks))]
    public void AShopsFourTasks_ScoreFromTheManifestsTasks_AsTheProjectDoes(string architecture) => ScoresAsTheProjectDoes(architecture, ModelingFixtures.ShopTasks(value: true));

    private static void ScoresAsTheProjectDoes(string architecture, TaskSet tasks)
    {
        var frame = ModelingFixtures.Frame(120);
        var fm = architecture.Contains("fm", StringComparison.Ordinal);
        var features = new FeatureOptions
        {
            Categorical = ["device", "segment"], Numeric = ["price"],
            Crosses = [new() { Columns = ["device", "segment"], HashBuckets = fm ? 0 : 20 }],
        };
        if (fm)
        {
            // fm needs one embedding size for every field: a vocabulary cross, and price log1p'd as a value.
            features.Columns["price"] = new() { Transform = FeatureOptions.Log1p };
        }
        else
        {
            features.Columns["device"] = new() { HashBuckets = 50, EmbeddingDim = 3 };
            features.Columns["price"] = new() { Transform = FeatureOptions.Quantile, QuantileBuckets = 4 };
        }
        var encoders = FeatureEncoders.Fit(frame, features);
        var options = ModelingFixtures.Architecture(architecture);
        using var model = MultiTaskModel.Create(encoders, options, CPU, seed: 4, tasks);
        var encoded = tasks == TaskSet.Default ? encoders.Encode(frame) : ModelingFixtures.ShopEncoded(frame, encoders);
        Trainer.Train(model, encoded, new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.05, Seed = 2, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, Patience = 2, ValidationDays = 0 }, CancellationToken.None);
        var expected = Scorer.Predict(model, encoded);

        using var weights = new MemoryStream();
        model.SaveWeights(weights);
        using var manifest = JsonDocument.Parse(JsonSerializer.Serialize(new { architecture = options, features = encoders, tasks = tasks.Tasks }, ModelManifest.Json));
        var served = new ReferenceScorer(manifest.RootElement, weights.ToArray());

        Assert.Equal(tasks.Outputs, expected.Names);
        for (var row = 0; row < frame.Count; row++)
        {
            var outputs = served.Score(RawRow(frame, row));
            Assert.Equal(expected.Names, outputs.Keys);
            foreach (var (output, value) in outputs) Assert.Equal(expected[output][row], value, 1e-5 * Math.Max(1, Math.Abs(value)));
        }
    }

    /// <summary>One impression as serving receives it: column name → raw value (text or number).</summary>
    private static Dictionary<string, object?> RawRow(DayFrame frame, int row)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var c in frame.Categorical) values[c.Name] = c.Codes[row] < 0 ? null : c.Vocabulary[c.Codes[row]];
        foreach (var n in frame.Numeric) values[n.Name] = n.Values[row];
        return values;
    }

    /// <summary>A serving team's scorer, written from the README alone.</summary>
    private sealed class ReferenceScorer
    {
        private readonly JsonElement _architecture;
        private readonly JsonElement _features;
        private readonly Dictionary<string, Tensor> _w;
        private readonly JsonElement[] _tasks;

        public ReferenceScorer(JsonElement manifest, byte[] safetensors)
        {
            _architecture = manifest.GetProperty("architecture");
            _features = manifest.GetProperty("features");
            _tasks = [.. manifest.GetProperty("tasks").EnumerateArray()];
            _w = ReadSafetensors(safetensors);
        }

        private int T => _tasks.Length;

        /// <summary>
        /// Every output by name: each task's own (sigmoid of its logit; a regression's max(0, expm1(logit))), then each
        /// chained task's product — its `given` task's entire-space output times its own — named by `product`, or
        /// `{given's output}_{name}`.
        /// </summary>
        public Dictionary<string, float> Score(Dictionary<string, object?> raw)
        {
            var logits = Logits(raw);
            var (outputs, whole) = (new Dictionary<string, float>(), new Dictionary<string, (string Name, float P)>());
            foreach (var (task, t) in _tasks.Select((task, t) => (task, t)))
            {
                var name = task.GetProperty("name").GetString()!;
                var regression = task.GetProperty("kind").GetString() == "regression";
                var own = regression ? Math.Max(0f, MathF.Exp(logits[t]) - 1) : 1 / (1 + MathF.Exp(-logits[t]));
                outputs[name] = own;
                whole[name] = task.TryGetProperty("given", out var given) && given.ValueKind == JsonValueKind.String
                    ? (task.TryGetProperty("product", out var product) && product.ValueKind == JsonValueKind.String ? product.GetString()! : $"{whole[given.GetString()!].Name}_{name}",
                       whole[given.GetString()!].P * own)
                    : (name, own);
            }
            foreach (var task in _tasks.Where(t => t.TryGetProperty("given", out var g) && g.ValueKind == JsonValueKind.String))
            {
                var (product, p) = whole[task.GetProperty("name").GetString()!];
                outputs[product] = p;
            }
            return outputs;
        }

        private float[] Logits(Dictionary<string, object?> raw)
        {
            using var scope = NewDisposeScope();
            var (slots, values) = Encode(raw);
            var name = _architecture.GetProperty("name").GetString()!;
            var wide = _architecture.GetProperty("wide").GetBoolean() || name == "logistic";
            var shortcut = _architecture.GetProperty("shortcut").GetBoolean() && name != "logistic";
            var deepPrefix = (wide || shortcut) && name != "logistic" ? "deep." : "";
            var logits = name == "logistic" ? zeros(T) : Deep(name, deepPrefix, slots, values);
            if (wide) logits = logits + Wide(slots, values);
            if (shortcut) // logit_t += shortcut.{t}.weight · x_t, x_t being task t's input
            {
                var inputs = Enumerable.Range(0, T).Select(t => TaskEmbeddings(name) ? $"{deepPrefix}task_inputs.{t}." : deepPrefix + "input.");
                logits = logits + stack([.. inputs.Select((input, t) => matmul(_w[$"shortcut.{t}.weight"][0], Input(input, slots, values)))]);
            }
            return logits.data<float>().ToArray();
        }

        // Fields: categorical columns, then quantile-bucketed numerics, then crosses; values: the other numerics.
        private (long[] Slots, Tensor Values) Encode(Dictionary<string, object?> raw)
        {
            var slots = new List<long>();
            foreach (var c in _features.GetProperty("categorical").EnumerateArray())
                slots.Add(Slot(raw[c.GetProperty("column").GetString()!] as string, c));
            foreach (var b in _features.GetProperty("buckets").EnumerateArray())
            {
                var v = (double)raw[b.GetProperty("column").GetString()!]!;
                slots.Add(double.IsFinite(v) ? 1 + b.GetProperty("edges").EnumerateArray().Count(e => e.GetDouble() <= v) : 0);
            }
            foreach (var x in _features.GetProperty("crosses").EnumerateArray())
            {
                var parts = x.GetProperty("columns").EnumerateArray().Select(c => raw[c.GetString()!] as string).ToList();
                slots.Add(Slot(parts.Any(p => p is null) ? null : string.Join('\u001f', parts), x));
            }
            var numbers = _features.GetProperty("numeric").EnumerateArray().Select(n =>
            {
                var v = (double)raw[n.GetProperty("column").GetString()!]!;
                v = n.GetProperty("transform").GetString() switch
                {
                    "log1p" => Math.Log(1 + v),
                    "clip" => Math.Clamp(v, Number(n, "clipMin") ?? double.NegativeInfinity, Number(n, "clipMax") ?? double.PositiveInfinity),
                    _ => v,
                };
                return (float)((v - n.GetProperty("mean").GetDouble()) / n.GetProperty("std").GetDouble());
            }).ToArray();
            return ([.. slots], numbers.Length == 0 ? zeros(0) : tensor(numbers));
        }

        private static double? Number(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

        // Vocabulary: 1 + position in `values`, 0 for null or unseen; hashed: 1 + FNV-1a-64(UTF-8) mod buckets.
        private static long Slot(string? value, JsonElement encoder)
        {
            if (value is null) return 0;
            var buckets = encoder.GetProperty("hashBuckets").GetInt32();
            if (buckets > 0)
            {
                var hash = 14695981039346656037UL;
                foreach (var b in Encoding.UTF8.GetBytes(value)) hash = (hash ^ b) * 1099511628211UL;
                return 1 + (long)(hash % (ulong)buckets);
            }
            var position = encoder.GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToList().IndexOf(value);
            return position + 1; // -1 (unseen) → 0
        }

        private Tensor Deep(string name, string p, long[] slots, Tensor values)
        {
            var x = Input(p + "input.", slots, values);
            switch (name)
            {
                case "shared-bottom":
                    var bottom = Mlp(x, p + "bottom.");
                    return Towers(p, [.. Enumerable.Repeat(bottom, T)]);
                case "omoe":
                    Assert.Equal(_architecture.GetProperty("settings").GetProperty(name).GetProperty("experts").GetInt32(), Experts(p + "experts.", x).Count);
                    var mixed = Mix(p + "gate.", x, Experts(p + "experts.", x));
                    return Towers(p, [.. Enumerable.Repeat(mixed, T)]);
                case "mmoe":
                    var experts = Experts(p + "experts.", x);
                    return Towers(p, [.. Enumerable.Range(0, T).Select(t => Mix(p + $"gates.{t}.", x, experts))]);
                default: // cgc and ple: CGC levels
                    var settings = _architecture.GetProperty("settings").GetProperty(name);
                    Tensor[] states = TaskEmbeddings(name) // each task's, then the shared one
                        ? [.. Enumerable.Range(0, T).Select(t => Input(p + $"task_inputs.{t}.", slots, values)), x]
                        : [.. Enumerable.Repeat(x, T + 1)];
                    var levels = name == "cgc" ? 1 : settings.GetProperty("levels").GetInt32();
                    for (var l = 0; l < levels; l++)
                    {
                        var level = $"{p}levels.{l}.";
                        var shared = Experts(level + "shared.", states[T]);
                        var specific = Enumerable.Range(0, T).Select(t => Experts(level + $"specific.{t}.", states[t])).ToArray();
                        Assert.Equal(settings.GetProperty("sharedExperts").GetInt32(), shared.Count);
                        Assert.Equal(settings.GetProperty("specificExperts").GetInt32(), specific[0].Count);
                        var next = Enumerable.Range(0, T).Select(t => Mix(level + $"task_gates.{t}.", states[t], [.. specific[t], .. shared])).ToList();
                        if (l < levels - 1) // a shared gate below the top level
                            next.Add(Mix(level + "shared_gate.0.", states[T], [.. specific.SelectMany(s => s), .. shared]));
                        states = [.. next];
                    }
                    return Towers(p, states[..T]);
            }
        }

        private bool TaskEmbeddings(string name) =>
            _architecture.GetProperty("settings").TryGetProperty(name, out var own) && own.TryGetProperty("taskEmbeddings", out var on) && on.GetBoolean();

        // Embeddings of every field, the numeric values, then fm's pairwise inner products; or dcn-v2's cross layers.
        private Tensor Input(string p, long[] slots, Tensor values)
        {
            var embedded = slots.Select((s, j) => _w[$"{p}embeddings.{j}.weight"][s]).ToList();
            var parts = new List<Tensor>(embedded) { values };
            if (_architecture.GetProperty("interaction").GetString() == "fm")
                for (var i = 0; i < embedded.Count; i++)
                    for (var j = i + 1; j < embedded.Count; j++)
                        parts.Add((embedded[i] * embedded[j]).sum().unsqueeze(0));
            var x = cat(parts, 0);
            if (_architecture.GetProperty("interaction").GetString() != "dcn-v2") return x;
            var x0 = x;
            for (var l = 0; _w.ContainsKey($"{p}cross.layers.{l}.weight"); l++) x = x0 * Linear(x, $"{p}cross.layers.{l}.") + x;
            return x;
        }

        private Tensor Linear(Tensor x, string p)
        {
            Assert.True(x.dim() == 1, $"{p}: input of shape [{string.Join(",", x.shape)}]");
            return _w[p + "weight"].matmul(x) + _w[p + "bias"];
        }

        private Tensor Mlp(Tensor x, string p)
        {
            for (var i = 0; _w.ContainsKey($"{p}layers.linear{i}.weight"); i++) x = Linear(x, $"{p}layers.linear{i}.").relu();
            return x;
        }

        private List<Tensor> Experts(string p, Tensor x)
        {
            var experts = new List<Tensor>();
            for (var k = 0; _w.ContainsKey($"{p}{k}.layers.linear0.weight"); k++) experts.Add(Mlp(x, $"{p}{k}."));
            return experts;
        }

        private Tensor Mix(string gate, Tensor gateInput, IReadOnlyList<Tensor> experts) =>
            (Linear(gateInput, gate).softmax(0).unsqueeze(1) * stack(experts)).sum(dim: 0);

        private Tensor Towers(string p, Tensor[] states) =>
            cat(states.Select((s, t) => Linear(Mlp(s, $"{p}towers.towers.{t}."), $"{p}towers.heads.{t}.")).ToList());

        // Per task: the sum of one weight per field (rows of the fields' slots laid end to end) plus a linear map of the values.
        private Tensor Wide(long[] slots, Tensor values)
        {
            var starts = new long[slots.Length];
            var rows = _w["wide.tables.0.weight"].shape[0];
            var cardinalities = TableSizes(slots.Length, rows);
            for (var j = 1; j < slots.Length; j++) starts[j] = starts[j - 1] + cardinalities[j - 1];
            return cat(Enumerable.Range(0, T).Select(t =>
                (slots.Select((s, j) => _w[$"wide.tables.{t}.weight"][starts[j] + s, 0]).Aggregate((a, b) => a + b)
                 + WideNumeric(values, t)).reshape(1)).ToList());
        }

        // Without numeric values the map reads a single zero: its bias alone.
        private Tensor WideNumeric(Tensor values, int t) =>
            values.numel() == 0 ? _w[$"wide.numeric.{t}.bias"] : Linear(values, $"wide.numeric.{t}.");

        // Each field's table size: its vocabulary + 1, or its hash buckets + 1, or its bucket edges + 2.
        private long[] TableSizes(int fields, long rows)
        {
            var sizes = new List<long>();
            foreach (var c in _features.GetProperty("categorical").EnumerateArray()) sizes.Add(Size(c));
            foreach (var b in _features.GetProperty("buckets").EnumerateArray()) sizes.Add(b.GetProperty("edges").GetArrayLength() + 2);
            foreach (var x in _features.GetProperty("crosses").EnumerateArray()) sizes.Add(Size(x));
            Assert.Equal(fields, sizes.Count);
            Assert.Equal(rows, sizes.Sum());
            return [.. sizes];
        }

        private static long Size(JsonElement encoder) =>
            encoder.GetProperty("hashBuckets").GetInt32() is > 0 and var buckets ? buckets + 1 : encoder.GetProperty("values").GetArrayLength() + 1;

        // safetensors: an 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, the data.
        private static Dictionary<string, Tensor> ReadSafetensors(byte[] bytes)
        {
            var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt32()).ToArray();
                var data = new float[(offsets[1] - offsets[0]) / 4];
                Buffer.BlockCopy(bytes, 8 + headerLength + offsets[0], data, 0, offsets[1] - offsets[0]);
                tensors[entry.Name] = tensor(data).reshape(shape);
            }
            return tensors;
        }
    }
}
