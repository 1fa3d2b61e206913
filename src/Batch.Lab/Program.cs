using System.CommandLine;
using Batch.Host.Cli;
using Batch.Lab.Cli;

var parsed = LabCommands.Build().Parse(args);
try
{
    // Failures are reported as the product reports them: two lines, the trace in the log (and with --verbose).
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception e)
{
    return CliErrors.Report(e, parsed.GetValue(OperatorCommands.Verbose), Console.Error);
}
