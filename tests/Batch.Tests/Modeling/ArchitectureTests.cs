using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Tests.Support;
using TorchSharp.Modules;
using Batch.Modeling.Plugins;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

/// <summary>What every architecture must do, whatever its topology.</summary>
[Collection(TorchGroup.Name)]
public class ArchitectureTests
{
    private static readonly int[] Cardinalities = [3, 2];

    private static MultiTaskNetwork Build(string name, int tasks, int levels = 2, int seed = 11)
    {
        manual_seed(seed);
        return ArchitectureCatalog.Create(new ArchitectureContext(Cardinalities, 1, tasks, ModelingFixtures.Architecture(name, levels)));
    }

    private static (Tensor Indices, Tensor Values) Batch(int n)
    {
        var generator = new Random(n);
        var indices = Enumerable.Range(0, n * 2).Select(i => (long)generator.Next(i % 2 == 0 ? 3 : 2)).ToArray();
        return (tensor(indices, [n, 2]), randn(n, 1));
    }

    [Fact]
    public void Registry_FindsEveryArchitectureInItsOwnFile_PleBeingTheDefault()
    {
        Assert.Equal(["single-task", "shared-bottom", "omoe", "mmoe", "cgc", "ple", "snr-trans", "snr-aver", "logistic"], ArchitectureCatalog.Names);
        Assert.Equal("ple", Registries.Architectures.Default.Name);
        Assert.Same(Registries.Architectures.Default, Registries.Architectures.Get(""));
        // What compare trains when no architecture is named: every candidate, not the yardsticks it trains anyway.
        Assert.Equal(["shared-bottom", "omoe", "mmoe", "cgc", "ple", "snr-trans", "snr-aver"], Registries.Architectures.ListedNames);
        Assert.Equal(["none", "fm", "dcn-v2"], Registries.Interactions.Names);
        Assert.Equal("fm", Registries.Interactions.Default.Name);
        Assert.All(Registries.Architectures.All, a => Assert.False(string.IsNullOrWhiteSpace(a.Summary)));
    }

    [Fact]
    public void Create_FailsWithEveryProblem_WhenNameOrSizesAreImpossible()
    {
        var unknown = Assert.Throws<ArgumentException>(() => ArchitectureCatalog.Create(new ArchitectureContext(Cardinalities, 1, 2, new ArchitectureOptions { Name = "moe", ExpertHidden = [4] })));
        Assert.Contains("unknown architecture 'moe'", unknown.Message, StringComparison.Ordinal);
        var sizes = Assert.Throws<ArgumentException>(() => ArchitectureCatalog.Create(new ArchitectureContext(Cardinalities, 1, 2, new ArchitectureOptions { Name = "snr-trans", ExpertHidden = [4] }.With("snr-trans", new SnrSettings { SubNetworks = [3, 0] }))));
        Assert.Contains("Architecture:Settings:snr-trans:SubNetworks needs a positive count per layer", sizes.Message, StringComparison.Ordinal);
        var experts = Assert.Throws<ArgumentException>(() => ArchitectureCatalog.Create(new ArchitectureContext(Cardinalities, 1, 2,
            new ArchitectureOptions { Name = "mmoe", ExpertHidden = [] }.With("mmoe", new ExpertPoolSettings { Experts = 0 }))));
        Assert.Contains("Architecture:Settings:mmoe:Experts must be at least 1", experts.Message, StringComparison.Ordinal);
        Assert.Contains("ExpertHidden", experts.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, int, int> Shapes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var name in Registries.Architectures.Names)
            foreach (var tasks in new[] { 2, 3 })
                foreach (var batch in new[] { 1, 5 }) data.Add(name, tasks, batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_GivesOneLogitPerTask_AndGateRowsSumToOne(string name, int tasks, int batch)
    {
        using var scope = NewDisposeScope();
        using var network = Build(name, tasks);
        var gates = new List<(string Name, Tensor Weights)>();
        network.GateObserver = (gate, weights) => gates.Add((gate, weights.detach()));
        var (indices, values) = Batch(batch);
        var logits = network.forward(indices, values);
        Assert.Equal([batch, (long)tasks], logits.shape);
        foreach (var (gate, weights) in gates)
        {
            Assert.Equal(batch, weights.shape[0]);
            Assert.True(weights.sum(1).sub(1).abs().max().item<float>() < 1e-5, $"{name} gate {gate} rows do not sum to 1");
        }
        var expected = name switch
        {
            "omoe" => 1,
            "mmoe" => tasks,
            "cgc" => tasks,
            "ple" => 2 * tasks + 1, // two levels: task gates on both, one shared gate below the top
            _ => 0,
        };
        Assert.Equal(expected, gates.Count);
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void TaskParameters_GetNoGradientFromTheOtherTasksLosses(string name)
    {
        using var scope = NewDisposeScope();
        using var network = Build(name, tasks: 3);
        network.eval(); // SNR: deterministic routes, so the gradient paths are the ones of evaluation
        var (indices, values) = Batch(4);
        for (var task = 0; task < 3; task++)
        {
            network.zero_grad();
            var others = network.forward(indices, values);
            (others[.., (task + 1) % 3].sum() + others[.., (task + 2) % 3].sum()).backward();
            var own = network.TaskParameters(task).ToList();
            Assert.NotEmpty(own);
            Assert.All(own, p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0, $"{name}: task {task}'s parameter got a gradient"));
        }
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void SharedAndTaskParameters_PartitionAllParameters(string name)
    {
        using var network = Build(name, tasks: 2);
        var listed = network.SharedParameters().Concat(network.TaskParameters(0)).Concat(network.TaskParameters(1)).ToList();
        Assert.Equal(network.parameters().Count(), listed.Count);
        Assert.Equal(listed.Count, listed.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void Logistic_IsTheWidePartAlone_ASumOfOneWeightPerFieldValuePlusALinearTermOfTheNumbers()
    {
        using var scope = NewDisposeScope();
        using var network = Build("logistic", tasks: 2);
        Assert.Empty(network.SharedParameters());
        // Fields of 3 and 2 slots lie end to end in each task's table: slots 0-2, then 3-4.
        var weights = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
        {
            weights["wide.tables.0.weight"].copy_(tensor(new float[] { 0.1f, 0.2f, 0.3f, 1f, 2f }).reshape(5, 1));
            weights["wide.numeric.0.weight"].fill_(0.5f);
            weights["wide.numeric.0.bias"].fill_(-1f);
        }
        // Row (2, 1, 4.0): task 0 = 0.3 + 2 + 0.5·4 − 1 = 3.3; task 1 still all zero.
        var logits = network.forward(tensor(new long[] { 2, 1 }, [1, 2]), tensor(new float[] { 4f }, [1, 1]));
        Assert.Equal(3.3f, logits[0, 0].item<float>(), 5);
        Assert.Equal(0f, logits[0, 1].item<float>());
    }

    [Fact]
    public void TheWidePart_AddsToTheDeepLogits_AndItsGradientReachesOnlyItsTask()
    {
        using var scope = NewDisposeScope();
        using var network = Build("ple+wide", tasks: 2);
        var (indices, values) = Batch(4);
        var names = network.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("wide.tables.1.weight", names);
        Assert.Contains(names, n => n.StartsWith("deep.", StringComparison.Ordinal));

        network.zero_grad();
        network.forward(indices, values)[.., 0].sum().backward();
        var wide1 = network.named_parameters().Where(p => p.name.StartsWith("wide.", StringComparison.Ordinal) && p.name.Contains(".1.", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        Assert.Equal(3, wide1.Count); // its table, numeric weights and bias
        Assert.All(wide1, p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0));
        Assert.True(network.named_parameters().Single(p => p.name == "wide.tables.0.weight").parameter.grad!.abs().sum().item<float>() > 0);
    }

    [Theory]
    [InlineData("ple+fm+shortcut", "deep.input.")]
    [InlineData("single-task+fm+shortcut", "deep.inputs.1.")]
    [InlineData("ple+task-embeddings+fm+shortcut", "deep.task_inputs.1.")]
    public void TheShortcut_AddsALinearTermOfTheTasksInput_AndItsGradientReachesOnlyItsTask(string name, string taskOneInput)
    {
        using var scope = NewDisposeScope();
        using var network = Build(name, tasks: 2);
        var weights = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.DoesNotContain(weights.Keys, n => n.StartsWith("wide.", StringComparison.Ordinal));
        // Task 1's input: field 0 (4 values), field 1 (4), the numeric value, ⟨e₀, e₁⟩ — 10 values.
        Assert.Equal([1L, 10L], weights["shortcut.1.weight"].shape);
        ((WideAndDeep)network).SilenceDeep();
        using (no_grad())
        {
            weights["shortcut.1.weight"][0, 8] = tensor(2f);    // the numeric value
            weights["shortcut.1.weight"][0, 9] = tensor(0.5f);  // the fm pair
        }
        // Row (2, 1, 3.0): task 1 = 2 · 3 + 0.5 · ⟨row 2 of table 0, row 1 of table 1⟩; task 0 is silent.
        var e0 = weights[taskOneInput + "embeddings.0.weight"][2];
        var e1 = weights[taskOneInput + "embeddings.1.weight"][1];
        var expected = 6f + 0.5f * (e0 * e1).sum().item<float>();
        network.eval();
        var logits = network.forward(tensor(new long[] { 2, 1 }, [1, 2]), tensor(new float[] { 3f }, [1, 1]));
        Assert.Equal(expected, logits[0, 1].item<float>(), 5);
        Assert.Equal(0f, logits[0, 0].item<float>());

        network.zero_grad();
        network.forward(tensor(new long[] { 2, 1 }, [1, 2]), tensor(new float[] { 3f }, [1, 1]))[.., 1].sum().backward();
        Assert.True(weights["shortcut.0.weight"].grad is null || weights["shortcut.0.weight"].grad!.abs().sum().item<float>() == 0);
        Assert.True(weights["shortcut.1.weight"].grad!.abs().sum().item<float>() > 0);
        Assert.Contains(weights["shortcut.1.weight"], network.TaskParameters(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void TaskEmbeddings_GiveEachTaskTablesOfItsOwn_TheSharedExpertsReadingTheSharedOnes(int levels)
    {
        using var scope = NewDisposeScope();
        // Seed 12: with seed 11 and one level every unit of task 1's tiny tower is dead on every row.
        using var network = Build("ple+task-embeddings", tasks: 2, levels, seed: 12);
        var weights = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var tables = weights.Keys.Where(n => n.Contains("embeddings.0.weight", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["input.embeddings.0.weight", "task_inputs.0.embeddings.0.weight", "task_inputs.1.embeddings.0.weight"], tables);
        var (indices, values) = Batch(4);

        // Task 1's logit alone: its own tables and the shared ones take its gradient.
        network.zero_grad();
        network.forward(indices, values)[.., 1].sum().backward();
        float Moved(string table) => weights[table].grad is { } g ? g.abs().sum().item<float>() : 0;
        Assert.True(Moved("task_inputs.1.embeddings.0.weight") > 0, "task 1's tables took no gradient");
        Assert.True(Moved("input.embeddings.0.weight") > 0, "the shared tables took no gradient");
        // Task 0's tables feed task 1 only through the shared gate below the top level: with one level, never.
        var reached = Moved("task_inputs.0.embeddings.0.weight") > 0;
        Assert.Equal(levels > 1, reached);
        var own = network.TaskParameters(0).ToHashSet(ReferenceEqualityComparer.Instance);
        Assert.Equal(levels == 1, own.Contains(weights["task_inputs.0.embeddings.0.weight"]));
    }

    [Fact]
    public void TaskEmbeddings_AreRefusedByAnArchitectureWithoutThem()
    {
        List<string> Problems(string name) => [.. ProfileRules.Problems(new ModelProfile { Architecture = ModelingFixtures.Architecture(name) })];
        Assert.Contains(Problems("mmoe+task-embeddings"), p => p.StartsWith("Architecture:Settings:mmoe:taskEmbeddings is not a setting of mmoe", StringComparison.Ordinal));
        Assert.DoesNotContain(Problems("cgc+task-embeddings"), p => p.Contains("taskEmbeddings", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void SingleTask_SharesNothing()
    {
        using var network = Build("single-task", tasks: 2);
        Assert.Empty(network.SharedParameters());
    }

    [Fact]
    public void Omoe_FeedsEveryTowerTheSameMixture()
    {
        using var scope = NewDisposeScope();
        using var network = Build("omoe", tasks: 2);
        var gates = new List<string>();
        network.GateObserver = (gate, _) => gates.Add(gate);
        var (indices, values) = Batch(3);
        network.forward(indices, values);
        Assert.Equal(["gate"], gates);
        Assert.Single(network.named_parameters(), p => p.name.StartsWith("gate.weight", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cgc", 1)]
    [InlineData("ple", 1)]
    [InlineData("ple", 2)]
    public void Ple_RunsEachExpertOncePerForwardPass(string name, int levels)
    {
        using var scope = NewDisposeScope();
        using var network = Build(name, tasks: 2, levels);
        var calls = 0;
        var hooks = network.modules().OfType<Mlp>().Where(m => m.OutputDim == 6).Select(m => m.register_forward_hook((_, _, output) => { calls++; return output; })).ToList();
        var (indices, values) = Batch(2);
        network.forward(indices, values);
        // Per level: 2 tasks × 1 specific + 2 shared experts.
        Assert.Equal((name == "cgc" ? 1 : levels) * 4, calls);
        foreach (var hook in hooks) hook.remove();
    }

    [Theory]
    [InlineData("snr-trans")]
    [InlineData("snr-aver")]
    public void Snr_IsDeterministicAtEvaluation_AndSamplesRoutesInTraining(string name)
    {
        using var scope = NewDisposeScope();
        using var network = Build(name, tasks: 2);
        var (indices, values) = Batch(4);
        network.eval();
        Assert.True(network.forward(indices, values).eq(network.forward(indices, values)).all().item<bool>());
        network.train();
        Assert.False(network.forward(indices, values).eq(network.forward(indices, values)).all().item<bool>());
        Assert.Equal(1.0, network.OpenRouteFraction());
    }

    [Fact]
    public void HardConcrete_L0PenaltyIsDifferentiable_AndFallsAsRoutesClose()
    {
        using var scope = NewDisposeScope();
        using var routing = new HardConcreteRouting(2, 3, 4, transform: false);
        var logAlpha = routing.named_parameters().Single(p => p.name == "log_alpha").parameter;
        var open = routing.L0();
        open.backward();
        Assert.True(logAlpha.grad!.abs().sum().item<float>() > 0);
        Assert.InRange(open.item<float>(), 5.5f, 6f); // nearly all six routes open at initialisation

        using (no_grad()) logAlpha.fill_(-10);
        Assert.True(routing.L0().item<float>() < 0.01f);
        routing.eval();
        Assert.Equal((0L, 6L), routing.OpenRoutes());
        Assert.Equal(0f, routing.Gates().abs().sum().item<float>());
    }
}
