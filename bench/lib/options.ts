// The bench command line: `run.ts <scenario> [--option value]…`, checked against bounds.
import type { BenchTransport } from './bench-client.ts';
import { type ClusterOptions, clusterOptions } from './cluster-options.ts';
import {
  BOUNDS,
  CHOICES,
  choiceOption,
  FLAGS,
  numberOption,
  PATHS,
  UsageError,
} from './option-values.ts';

export { UsageError };

/** The scenarios run.ts knows. */
export const SCENARIOS = [
  'dm-throughput',
  'dm-latency',
  'idle-sessions',
  'login-storm',
  'fanout',
  'replay',
  'group-fanout',
  'sweep',
  'failover',
] as const;

/** How the server keeps messages: stored (the default) or the in-memory path (benchmark only). */
export type StoreMode = 'on' | 'off';
/** The server's storage.sync setting. */
export type SyncMode = 'normal' | 'full';
/** One server configuration of a `--compare store` run. */
export interface Variant {
  name: string;
  store: StoreMode;
  sync: SyncMode;
}

/** The variants `--compare store` interleaves: stored, the in-memory reference, stored with fsync. */
export const STORE_VARIANTS: readonly Variant[] = [
  { name: 'stored', store: 'on', sync: 'normal' },
  { name: 'in-memory', store: 'off', sync: 'normal' },
  { name: 'sync-full', store: 'on', sync: 'full' },
];

/**
 * The server a run starts: super-server (this checkout's compiled server, or
 * --server-bin's) or the baseline yardstick (bench/baseline/).
 */
export type ServerTarget = { kind: 'super-server'; bin: string | undefined } | { kind: 'baseline' };

/** The scenarios the baseline speaks enough protocol for (sweep is dm-throughput). */
export const BASELINE_SCENARIOS: readonly ScenarioName[] = [
  'dm-throughput',
  'dm-latency',
  'group-fanout',
  'sweep',
];

/** The scenarios --transport and --vs-transport apply to (sweep is dm-throughput). */
export const TRANSPORT_SCENARIOS: readonly ScenarioName[] = [
  'dm-throughput',
  'dm-latency',
  'sweep',
];

/** One of SCENARIOS. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything a scenario run is configured by (with --storage, --nodes … of cluster-options.ts). */
export interface BenchOptions extends ClusterOptions {
  scenario: ScenarioName;
  clients: number;
  /** sweep only: the client counts to run dm-throughput at. */
  clientsList: number[];
  window: number;
  duration: number;
  warmup: number;
  rate: number;
  workers: number | undefined;
  runs: number;
  json: string | undefined;
  /** Generator threads; undefined: threadsFor() picks. */
  threads: number | undefined;
  /** Overall limit in seconds; the bench kills the server and exits 2 past it. */
  timeout: number | undefined;
  /** The server each run starts (for --vs-baseline / --vs-bin, the first of each pair). */
  target: ServerTarget;
  /** --vs-baseline or --vs-bin: the server interleaved with `target`, the ratio's divisor. */
  versus: ServerTarget | undefined;
  /** messages.store of the server: on (stored) or off (the in-memory reference path). */
  store: StoreMode;
  /** storage.sync of the server. */
  sync: SyncMode;
  /** How the generator's clients connect: TCP, or WebSocket on the HTTP port's /ws. */
  transport: BenchTransport;
  /** `--vs-transport`: run tcp and ws alternately, --runs of each; ratio ws ÷ tcp. */
  versusTransport: boolean;
  /** `--compare store`: run the STORE_VARIANTS alternately, --runs of each. */
  compare: 'store' | undefined;
  /** replay only: stored messages waiting for each user. */
  messages: number;
  /** group-fanout only: members ack at least this often (ms), as the SDK's ackDelayMs. */
  ackMs: number;
  /** `--client-ids` (dm-throughput, dm-latency, sweep): every send carries a client_id, as the SDK's do. */
  clientIds: boolean;
}

/** group-fanout without --rate: the sender sends this many deliveries' worth a second. */
export const GROUP_OFFERED_DELIVERIES = 30_000;

const DEFAULT_CLIENTS: Record<ScenarioName, string> = {
  'dm-throughput': '200',
  'dm-latency': '1000',
  'idle-sessions': '20000',
  'login-storm': '500',
  fanout: '1000',
  replay: '1000',
  'group-fanout': '1000',
  sweep: '50,100,200,500,1000',
  failover: '200',
};

/** Parses `argv` (without node and the script); throws UsageError. */
export function parseOptions(argv: string[]): BenchOptions {
  const [scenario, ...rest] = argv;
  if (!SCENARIOS.includes(scenario as ScenarioName)) {
    throw new UsageError(scenario ? `unknown scenario ${scenario}` : 'no scenario given');
  }
  const given = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (FLAGS.has(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      given.set(name, 'yes');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    given.set(name, value);
  }
  const name = scenario as ScenarioName;
  const num = (key: string, fallback: number) => {
    const text = given.get(key);
    return text === undefined ? fallback : numberOption(key, text);
  };
  if (given.has('ack-ms') && !['group-fanout', 'dm-latency', 'failover'].includes(name)) {
    throw new UsageError('--ack-ms is for the group-fanout, dm-latency and failover scenarios');
  }
  if (given.has('client-ids') && !['dm-throughput', 'dm-latency', 'sweep'].includes(name)) {
    throw new UsageError('--client-ids is for the dm-throughput, dm-latency and sweep scenarios');
  }
  if (given.has('members') && name !== 'group-fanout') {
    throw new UsageError('--members is for the group-fanout scenario');
  }
  if (given.has('members') && given.has('clients')) {
    throw new UsageError(
      "group-fanout takes --members (the group's online members), not --clients",
    );
  }
  const clientsList = (given.get('clients') ?? given.get('members') ?? DEFAULT_CLIENTS[name])
    .split(',')
    .map((part) => numberOption(given.has('members') ? 'members' : 'clients', part.trim()));
  if (clientsList.length > 1 && name !== 'sweep') {
    throw new UsageError('a list of client counts is for the sweep scenario only');
  }
  const clients = Math.max(...clientsList);
  for (const key of given.keys()) {
    if (!(key in BOUNDS) && !(key in CHOICES) && !FLAGS.has(key) && !PATHS.has(key)) {
      throw new UsageError(`unknown option --${key}`);
    }
  }
  const compare = choiceOption(given, 'compare') as 'store' | undefined;
  const messaging = name === 'dm-throughput' || name === 'dm-latency';
  if (compare !== undefined && !messaging) {
    throw new UsageError('--compare is for dm-throughput and dm-latency');
  }
  if (compare !== undefined && (given.has('store') || given.has('sync'))) {
    throw new UsageError('--compare store sets --store and --sync itself');
  }
  const versus = versusOption(given, name);
  if (compare !== undefined && versus !== undefined) {
    throw new UsageError('--compare store and --vs-baseline / --vs-bin are separate comparisons');
  }
  const transport = transportOption(given, name, compare !== undefined || versus !== undefined);
  if (transport === 'ws' && versus?.kind === 'baseline') {
    throw new UsageError('the baseline speaks TCP only: --transport ws does not apply');
  }
  const cluster = clusterOptions(
    given,
    name,
    compare !== undefined || versus !== undefined || given.has('vs-transport'),
  );
  if (name === 'failover' && clientsList[0] !== undefined && clientsList[0] < 2) {
    throw new UsageError('failover needs at least 2 clients (each sends to another)');
  }
  if (given.has('messages') && name !== 'replay') {
    throw new UsageError('--messages is for the replay scenario');
  }
  if (name === 'replay' && given.get('store') === 'off') {
    throw new UsageError('replay reads stored messages: --store off does not apply');
  }
  if (name === 'replay' && clientsList[0] !== undefined && clientsList[0] < 2) {
    throw new UsageError(
      'replay needs at least 2 clients (each user gets its messages from another)',
    );
  }
  const workers = given.get('workers');
  const timeout = given.get('timeout');
  const threads = given.get('threads');
  return {
    scenario: name,
    clients,
    clientsList,
    window: num('window', 32),
    duration: num('duration', 10),
    warmup: num('warmup', name === 'dm-latency' ? 1 : 2),
    rate: num(
      'rate',
      name === 'group-fanout' ? Math.max(1, Math.round(GROUP_OFFERED_DELIVERIES / clients)) : 2,
    ),
    workers: workers === undefined ? undefined : numberOption('workers', workers),
    runs: num('runs', 1),
    json: given.get('json'),
    threads: threads === undefined ? undefined : numberOption('threads', threads),
    timeout: timeout === undefined ? undefined : numberOption('timeout', timeout),
    store: choiceOption(given, 'store', 'on') as StoreMode,
    sync: choiceOption(given, 'sync', 'normal') as SyncMode,
    compare,
    transport,
    versusTransport: given.has('vs-transport'),
    target: { kind: 'super-server', bin: given.get('server-bin') },
    versus,
    messages: num('messages', 1_000),
    ackMs: num('ack-ms', 1_000),
    clientIds: given.has('client-ids'),
    ...cluster,
  };
}

/** The --vs-baseline or --vs-bin server, checked against the scenario; undefined for neither. */
function versusOption(given: Map<string, string>, name: ScenarioName): ServerTarget | undefined {
  const baseline = given.has('vs-baseline');
  const bin = given.get('vs-bin');
  if (!baseline && bin === undefined) return undefined;
  if (baseline && bin !== undefined) {
    throw new UsageError('give --vs-baseline or --vs-bin, not both');
  }
  if (!BASELINE_SCENARIOS.includes(name)) {
    throw new UsageError(`--vs-baseline and --vs-bin are for ${BASELINE_SCENARIOS.join(', ')}`);
  }
  return baseline ? { kind: 'baseline' } : { kind: 'super-server', bin };
}

/** --transport (tcp by default), checked against --vs-transport and the other comparisons. */
function transportOption(
  given: Map<string, string>,
  name: ScenarioName,
  otherComparison: boolean,
): BenchTransport {
  const transport = choiceOption(given, 'transport', 'tcp') as BenchTransport;
  const versus = given.has('vs-transport');
  if ((given.has('transport') || versus) && !TRANSPORT_SCENARIOS.includes(name)) {
    throw new UsageError(
      `--transport and --vs-transport are for ${TRANSPORT_SCENARIOS.join(', ')}`,
    );
  }
  if (versus && given.has('transport')) {
    throw new UsageError('--vs-transport runs both transports: leave out --transport');
  }
  if (versus && otherComparison) {
    throw new UsageError('--vs-transport is a comparison of its own: not with --compare or --vs-*');
  }
  return transport;
}

/** The generator threads for a run of `clients`: --threads, else two, or one for small runs. */
export function threadsFor(options: BenchOptions, clients: number): number {
  return Math.min(clients, options.threads ?? (clients <= 20 ? 1 : 2));
}
