using Batch.Core.Options;
using Xunit;

namespace Batch.Tests.Core.Options;

public class TaskOptionsTests
{
    private static TaskOptions Binary(string name, string? given = null, string? column = null) =>
        new() { Name = name, Label = new TaskLabel { Column = column ?? name }, Given = given };

    [Fact]
    public void TheDefaults_AreCtrAndCvrGivenCtr_WithTheProductCtcvr()
    {
        var tasks = TaskOptions.Defaults("is_click");
        Assert.Empty(TaskOptions.Problems(tasks));
        Assert.Equal(["ctr", "cvr"], tasks.Select(t => t.Name));
        Assert.Equal("is_click", tasks[0].Label.Column);
        Assert.Equal((SourceOptions.ConversionsEvent, "ctr", "ctcvr"), (tasks[1].Label.Event, tasks[1].Given, tasks[1].OutputName(tasks)));
    }

    [Fact]
    public void AChainedTasksProduct_IsNamedAlongItsChain_UnlessNamed()
    {
        List<TaskOptions> tasks = [Binary("ctr"), Binary("cart", "ctr"), Binary("purchase", "cart")];
        Assert.Empty(TaskOptions.Problems(tasks));
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase"], tasks.Select(t => t.OutputName(tasks)));
        tasks[1].Product = "ctavr";
        Assert.Equal("ctavr_purchase", tasks[2].OutputName(tasks));
    }

    [Fact]
    public void EveryWrongDeclaration_IsNamed()
    {
        List<TaskOptions> tasks =
        [
            Binary("ctr"),
            Binary("ctr"),                                                         // twice
            Binary("Cart"),                                                        // not a name
            Binary("later", given: "purchase"),                                    // given a task declared after it
            Binary("purchase"),
            new() { Name = "value", Label = new TaskLabel { Event = "orders" }, Kind = TaskOptions.Regression },   // no Value
            new() { Name = "value2", Label = new TaskLabel { Column = "amount" }, Kind = TaskOptions.Regression, Given = "ctr" },
            new() { Name = "odd", Label = new TaskLabel { Column = "x", Event = "y" }, Kind = "ordinal", Role = "side", Weight = -1 },
            Binary("ctr_purchase"),
            Binary("after_value", given: "value"),
            new() { Name = "p2", Label = new TaskLabel { Column = "p" }, Given = "ctr", Product = "ctr_purchase" },
        ];
        var problems = string.Join("\n", TaskOptions.Problems(tasks));
        Assert.Contains("Tasks:1:Name 'ctr' is declared twice", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:2:Name 'Cart' is not", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:3:Given 'purchase' must name a task declared before 'later'", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:5:Label of a regression on an event needs Value", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:6: a regression task cannot be Given another ('ctr')", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:7:Kind 'ordinal' must be binary or regression", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:7:Role 'side' must be main or auxiliary", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:7:Weight must be a positive number", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:7:Label needs exactly one of Column and Event", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:9:Given 'value' must name a task declared before 'after_value'", problems, StringComparison.Ordinal);
        Assert.Contains("Tasks:10: the output name 'ctr_purchase' is taken", problems, StringComparison.Ordinal);
        Assert.Equal(11, problems.Split('\n').Length);
    }

    [Fact]
    public void TasksWithoutAMainOne_OrWithoutAny_AreRefused()
    {
        Assert.Contains("Tasks names no task", TaskOptions.Problems([]));
        var auxiliary = Binary("ctr");
        auxiliary.Role = TaskOptions.Auxiliary;
        Assert.Contains("Tasks needs at least one main task for the gate to judge", TaskOptions.Problems([auxiliary]));
    }
}
