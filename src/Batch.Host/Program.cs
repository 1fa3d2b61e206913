using Batch.Host.Cli;

return await BatchCommands.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
