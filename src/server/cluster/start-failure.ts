// Why a `--workers N` server did not start, on its own so that the CLI can
// recognise it without loading the server (src/cli/common.ts).

/** A worker could not start (port in use, …): the message is the one line to print. */
export class WorkerStartFailure extends Error {
  override name = 'WorkerStartFailure';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
