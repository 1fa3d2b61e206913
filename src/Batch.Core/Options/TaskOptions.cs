using System.Text.Json.Serialization;

namespace Batch.Core.Options;

/// <summary>
/// One objective the model is trained on: where its label comes from, whether it is a probability or a value, the
/// task it is conditioned on (an ESMM-style chain over the entire space), and whether the gate judges it.
/// </summary>
public sealed class TaskOptions
{
    public const string Binary = "binary";
    public const string Regression = "regression";
    public const string Main = "main";
    public const string Auxiliary = "auxiliary";

    /// <summary>The task's name: its output, its metrics and its column in scores.</summary>
    public string Name { get; set; } = "";

    public TaskLabel Label { get; set; } = new();

    /// <summary><c>binary</c> (cross-entropy on a probability) or <c>regression</c> (squared error on log1p of the value).</summary>
    public string Kind { get; set; } = Binary;

    /// <summary>
    /// A binary task declared before this one that this one is conditioned on: the task's own output is the
    /// probability given that task's event, and it is trained through the product of the chain's probabilities over
    /// all impressions (ESMM; ESM² for longer chains). Its label is the event over all impressions. Null for none.
    /// </summary>
    public string? Given { get; set; }

    /// <summary>The name of the chain product (the entire-space probability) of a task with <see cref="Given"/>; default <c>{given}_{name}</c>.</summary>
    public string? Product { get; set; }

    /// <summary><c>main</c> (judged by the gate) or <c>auxiliary</c> (trained and reported, never gated).</summary>
    public string Role { get; set; } = Main;

    /// <summary>A fixed multiplier of the task's loss, the starting point of every balancer; default 1.</summary>
    public double? Weight { get; set; }

    [JsonIgnore]
    public bool IsRegression => Kind == Regression;

    [JsonIgnore]
    public bool IsMain => Role == Main;

    /// <summary>The frame's label this task trains on (<see cref="Frames.LabelKeys"/>), with the impressions' clicked column as mapped.</summary>
    public string LabelKey(string clickedColumn) => Frames.LabelKeys.Of(Label, IsRegression, clickedColumn);

    /// <summary>What a regression is trained on: log1p of its value (a value of 0 or more).</summary>
    public static double TrainedScale(double value) => Math.Log(1 + value);

    /// <summary>A regression's value back from <see cref="TrainedScale"/>.</summary>
    public static double ValueScale(double trained) => Math.Exp(trained) - 1;

    /// <summary>
    /// Every output of the tasks by name, in the order the model writes them: each task's own, then each chained task's
    /// product (<see cref="OutputName"/>).
    /// </summary>
    public static IReadOnlyList<string> Outputs(IReadOnlyList<TaskOptions> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return [.. tasks.Select(t => t.Name), .. tasks.Where(t => t.Given is not null).Select(t => t.OutputName(tasks))];
    }

    /// <summary>The entire-space output of a chained task, or the task's own name.</summary>
    public string OutputName(IReadOnlyList<TaskOptions> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (Given is null) return Name;
        return Product ?? $"{tasks.First(t => t.Name == Given).OutputName(tasks)}_{Name}";
    }

    /// <summary>
    /// Today's model, which a profile without tasks trains: <c>ctr</c> from the impressions' clicked column, and
    /// <c>cvr</c> given <c>ctr</c> from the conversions, whose chain product is <c>ctcvr</c>; both judged by the gate.
    /// </summary>
    public static List<TaskOptions> Defaults(string clickedColumn = "clicked") =>
    [
        new() { Name = "ctr", Label = new TaskLabel { Column = clickedColumn } },
        new() { Name = "cvr", Label = new TaskLabel { Event = SourceOptions.ConversionsEvent }, Given = "ctr", Product = "ctcvr" },
    ];

    /// <summary>What a task may be called: it names outputs, score columns and metrics.</summary>
    public const string NameRule = "1 to 32 lower-case letters, digits and '_', starting with a letter";

    /// <summary>What is wrong with a task list; empty when it can be trained.</summary>
    public static IEnumerable<string> Problems(IReadOnlyList<TaskOptions> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) yield return "Tasks names no task";
        var seen = new Dictionary<string, TaskOptions>(StringComparer.Ordinal);
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var at = $"Tasks:{i}";
            var problems = new List<string>();
            if (!IsName(task.Name)) problems.Add($"{at}:Name '{task.Name}' is not {NameRule}");
            else if (seen.ContainsKey(task.Name)) problems.Add($"{at}:Name '{task.Name}' is declared twice");
            if (task.Kind is not (Binary or Regression)) problems.Add($"{at}:Kind '{task.Kind}' must be {Binary} or {Regression}");
            if (task.Role is not (Main or Auxiliary)) problems.Add($"{at}:Role '{task.Role}' must be {Main} or {Auxiliary}");
            if (task.Weight is { } w && !(w > 0 && double.IsFinite(w))) problems.Add($"{at}:Weight must be a positive number");
            problems.AddRange(task.Label.Problems(at, task.IsRegression));
            if (task.Given is { } given)
            {
                if (task.IsRegression) problems.Add($"{at}: a regression task cannot be Given another ('{given}')");
                else if (!seen.TryGetValue(given, out var parent)) problems.Add($"{at}:Given '{given}' must name a task declared before '{task.Name}'");
                else if (parent.IsRegression) problems.Add($"{at}:Given '{given}' is a regression task; a chain runs through binary tasks");
                if (task.Product is { } product && !IsName(product)) problems.Add($"{at}:Product '{product}' is not {NameRule}");
            }
            else if (task.Product is not null) problems.Add($"{at}:Product names a chain product and needs Given");
            if (problems.Count == 0)
            {
                seen.Add(task.Name, task);
                string[] names = task.Given is null ? [task.Name] : [task.Name, task.OutputName(tasks)];
                foreach (var name in names.Where(n => !outputs.Add(n)))
                    problems.Add($"{at}: the output name '{name}' is taken by another task or chain product");
            }
            foreach (var problem in problems) yield return problem;
        }
        if (tasks.Count > 0 && !tasks.Any(t => t.IsMain)) yield return "Tasks needs at least one main task for the gate to judge";
    }

    /// <summary>Whether <paramref name="name"/> follows <see cref="NameRule"/> (task, product and event relation names).</summary>
    internal static bool IsName(string? name) =>
        name is { Length: >= 1 and <= 32 } && name[0] is >= 'a' and <= 'z' && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_');
}

/// <summary>Where a task's label comes from: a column of the impressions relation, or an event relation of the source mapping.</summary>
public sealed class TaskLabel
{
    /// <summary>A column of the impressions relation: boolean or 0/1 for a binary task, a number for a regression.</summary>
    public string? Column { get; set; }

    /// <summary>An event relation of the source (<c>conversions</c>, or a name under <c>Source:Events</c>): the impression has such an event within the conversion window.</summary>
    public string? Event { get; set; }

    /// <summary>For a regression on an event: the event relation's column whose values are summed per impression.</summary>
    public string? Value { get; set; }

    internal IEnumerable<string> Problems(string at, bool regression)
    {
        if ((Column is null) == (Event is null)) yield return $"{at}:Label needs exactly one of Column and Event";
        if (Value is not null && Event is null) yield return $"{at}:Label:Value sums an event's column and needs Event";
        if (Value is not null && !regression) yield return $"{at}:Label:Value is for a regression task";
        if (regression && Event is not null && Value is null) yield return $"{at}:Label of a regression on an event needs Value (the column summed)";
    }
}
