namespace Batch.Pipeline.Runs;

/// <summary>
/// A run failed and writing that failure to the ledger failed too: both errors, and a message that says the ledger
/// shows the run running until its lease lapses.
/// </summary>
public sealed class FailureNotRecordedException(string message, Exception runError, Exception ledgerError)
    : AggregateException(message, runError, ledgerError)
{
    public Exception RunError => InnerExceptions[0];

    public Exception LedgerError => InnerExceptions[1];
}
