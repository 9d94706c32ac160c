// The bench's option names and how one option's value is read and checked.

/** name → [min, max, integer?] */
export const BOUNDS: Record<string, [number, number, boolean]> = {
  clients: [1, 100_000, true],
  members: [1, 100_000, true],
  window: [1, 1_024, true],
  duration: [0.1, 3_600, false],
  warmup: [0, 600, false],
  rate: [0.01, 10_000, false],
  workers: [1, 64, true],
  runs: [1, 100, true],
  threads: [1, 16, true],
  timeout: [1, 86_400, false],
  messages: [1, 100_000, true],
  'ack-ms': [10, 60_000, true],
  nodes: [1, 8, true],
  'heartbeat-timeout': [1, 3_600, true],
};

/** Options that take no value. */
export const FLAGS = new Set(['vs-baseline', 'vs-transport', 'vs-storage', 'client-ids']);
/** Options that take a path. */
export const PATHS = new Set(['json', 'server-bin', 'vs-bin']);

/** Options that take one of a few words: name → the words. */
export const CHOICES: Record<string, readonly string[]> = {
  store: ['on', 'off'],
  sync: ['normal', 'full'],
  compare: ['store'],
  transport: ['tcp', 'ws'],
  storage: ['sqlite', 'postgres'],
  broker: ['redis'],
};

/** The word given for option `name` (or `fallback`), checked against CHOICES. */
export function choiceOption(given: Map<string, string>, name: string, fallback?: string) {
  const value = given.get(name) ?? fallback;
  const words = CHOICES[name] ?? [];
  if (value !== undefined && !words.includes(value)) {
    throw new UsageError(`--${name} must be one of ${words.join(', ')}`);
  }
  return value;
}

/** Raised for a bad command line; run.ts prints it with USAGE. */
export class UsageError extends Error {}

/** `text` as the number option `name`, checked against BOUNDS. */
export function numberOption(name: string, text: string): number {
  const bounds = BOUNDS[name];
  if (!bounds) throw new UsageError(`unknown option --${name}`);
  const [min, max, integer] = bounds;
  const value = Number(text);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}…${max}`,
    );
  }
  return value;
}
