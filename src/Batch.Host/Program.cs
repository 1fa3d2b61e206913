using System.CommandLine;
using Batch.Host.Cli;

var parsed = OperatorCommands.Build().Parse(args);
try
{
    // Failures are reported by CliErrors: two lines, the trace in the log (and with --verbose).
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception e)
{
    return CliErrors.Report(e, parsed.GetValue(OperatorCommands.Verbose), Console.Error);
}
