// The bench options of issue 15: which storage the server runs on (--storage,
// --vs-storage), how many nodes (--nodes) and their broker (--broker redis),
// and the nodes' lease (--heartbeat-timeout), checked against the scenario.
import { choiceOption, numberOption, UsageError } from './option-values.ts';

/** The server's storage.driver in a run. */
export type StorageDriver = 'sqlite' | 'postgres';

/** What the cluster options give a run. */
export interface ClusterOptions {
  /** storage.driver of every node: SQLite in the data directory, or the bench's PostgreSQL. */
  storage: StorageDriver;
  /** `--vs-storage`: run sqlite and postgres alternately, --runs of each; ratio postgres ÷ sqlite. */
  versusStorage: boolean;
  /** Server processes (nodes), each with its own --node-id, on one storage and one broker. */
  nodes: number;
  /** broker.driver: undefined for the server's own (in-process), or the bench's Redis. */
  broker: 'redis' | undefined;
  /** broker.heartbeat_timeout_s (the nodes' lease) with the Redis broker; undefined: the default. */
  heartbeatTimeoutS: number | undefined;
}

/** The scenarios --storage applies to (replay writes its messages into SQLite). */
export const STORAGE_SCENARIOS = [
  'dm-throughput',
  'dm-latency',
  'sweep',
  'idle-sessions',
  'login-storm',
  'group-fanout',
  'failover',
];
/** The scenarios --vs-storage applies to. */
export const VS_STORAGE_SCENARIOS = ['dm-throughput', 'dm-latency', 'sweep'];
/** The scenarios --nodes and --broker apply to. */
export const NODE_SCENARIOS = ['dm-throughput', 'dm-latency', 'sweep', 'failover'];

/**
 * Reads --storage, --vs-storage, --nodes, --broker and --heartbeat-timeout. Several nodes
 * default to PostgreSQL and Redis (`--storage sqlite` shares one data directory instead);
 * failover always runs at least two nodes on Redis. `otherComparison`: --compare, --vs-*.
 */
export function clusterOptions(
  given: Map<string, string>,
  scenario: string,
  otherComparison: boolean,
): ClusterOptions {
  const failover = scenario === 'failover';
  const nodesText = given.get('nodes');
  const nodes = nodesText === undefined ? (failover ? 2 : 1) : numberOption('nodes', nodesText);
  if ((given.has('nodes') || given.has('broker')) && !NODE_SCENARIOS.includes(scenario)) {
    throw new UsageError(`--nodes and --broker are for ${NODE_SCENARIOS.join(', ')}`);
  }
  if (failover && nodes < 2) throw new UsageError('failover needs --nodes 2 or more');
  const several = nodes > 1;
  const broker = (choiceOption(given, 'broker') ?? (several ? 'redis' : undefined)) as
    | 'redis'
    | undefined;
  if (several && given.has('workers')) {
    throw new UsageError('--nodes runs one process per node on Redis: not with --workers');
  }
  const storageGiven = choiceOption(given, 'storage') as StorageDriver | undefined;
  if (storageGiven !== undefined && !STORAGE_SCENARIOS.includes(scenario)) {
    throw new UsageError(`--storage is for ${STORAGE_SCENARIOS.join(', ')}`);
  }
  const versusStorage = given.has('vs-storage');
  if (versusStorage && !VS_STORAGE_SCENARIOS.includes(scenario)) {
    throw new UsageError(`--vs-storage is for ${VS_STORAGE_SCENARIOS.join(', ')}`);
  }
  if (versusStorage && storageGiven !== undefined) {
    throw new UsageError('--vs-storage runs both storages: leave out --storage');
  }
  if (versusStorage && otherComparison) {
    throw new UsageError(
      '--vs-storage is a comparison of its own: not with --compare, --vs-* or --vs-transport',
    );
  }
  const storage = storageGiven ?? (several || failover ? 'postgres' : 'sqlite');
  if (given.has('vs-baseline') && (storage === 'postgres' || broker !== undefined)) {
    throw new UsageError('the baseline has no storage or broker: not with --storage or --nodes');
  }
  const timeout = given.get('heartbeat-timeout');
  if (timeout !== undefined && broker === undefined) {
    throw new UsageError('--heartbeat-timeout is the Redis broker lease: give --broker redis');
  }
  return {
    storage,
    versusStorage,
    nodes,
    broker,
    heartbeatTimeoutS:
      timeout === undefined ? undefined : numberOption('heartbeat-timeout', timeout),
  };
}
