// The IPC messages between the primary and its workers, besides the broker's batches.
import type { MetricsJson } from '../metrics/render.ts';

/** From a worker to the primary. */
export type ToPrimary =
  | { t: 'listening'; port: number; httpPort?: number | undefined }
  /** The worker could not start; the primary prints `message` once and exits with the code. */
  | { t: 'failed'; message: string; exitCode: number }
  | { t: 'metrics'; seq: number; metrics: MetricsJson };

/** From the primary to a worker. */
export type ToWorker = { t: 'metrics?'; seq: number };
