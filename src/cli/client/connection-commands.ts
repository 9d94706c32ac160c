// The prompt's connection commands: connect, exit (log out and disconnect) and the
// disconnect on leaving; it keeps the address the prompt shows and errors name.
import type { Client } from '../../client/index.ts';
import { describeError, UsageError } from './errors.ts';
import type { RunOptions } from './execute.ts';
import type { Notices } from './notices.ts';
import { parseAddress } from './parse.ts';
import type { Style } from './style.ts';

/** What the connection commands need from the prompt. */
export interface ConnectionDeps {
  client: Client;
  notices: Notices;
  style: Style;
  /** the starting address, TLS and the connect timeout, from the flags */
  options: Pick<RunOptions, 'host' | 'port' | 'tls' | 'timeoutMs'>;
  info(text: string): void;
  /** forgets the current conversation and group names */
  clearGroups(): void;
}

/** The prompt's connection commands and its server address; one per prompt. */
export class ConnectionCommands {
  private address: { host: string; port: number };

  constructor(private readonly d: ConnectionDeps) {
    this.address = { host: d.options.host, port: d.options.port };
  }

  /** `host:port` of the server connected to, or to connect to by default. */
  get where(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  /** connect [host[:port]]: opens the connection and says what answered. */
  async connect(target: string | undefined): Promise<void> {
    const { client, options, style } = this.d;
    if (client.isOffline) throw new UsageError('reconnecting (type exit to stop first)');
    if (client.isConnected) {
      throw new UsageError(`already connected to ${this.where} (type exit to disconnect first)`);
    }
    const address = parseAddress(target, this.address);
    const where = `${address.host}:${address.port}`;
    this.d.notices.reset();
    try {
      const hello = await client.connect({
        ...address,
        tls: options.tls,
        connectTimeoutMs: options.timeoutMs,
      });
      this.address = address;
      const server = `${hello.server} ${hello.version}, protocol ${hello.protocol}`;
      this.d.info(`connected to ${style.cyan(where)} (${server}); now login or register`);
    } catch (err) {
      const d = describeError(err, where);
      throw new UsageError(
        d.text.startsWith('could not') ? d.text : `could not connect to ${where}: ${d.text}`,
      );
    }
  }

  /** exit: logs out when logged in, and disconnects; the client keeps running. */
  async exit(): Promise<void> {
    const { client } = this.d;
    if (client.isOffline) {
      client.close();
      this.d.info('stopped reconnecting; disconnected (messages not yet sent were dropped)');
      return;
    }
    if (!client.isConnected) throw new UsageError('not connected');
    const wasLoggedIn = client.isLoggedIn;
    this.d.clearGroups();
    await this.disconnect();
    this.d.info(
      wasLoggedIn
        ? `logged out; disconnected from ${this.where}`
        : `disconnected from ${this.where}`,
    );
  }

  /** On leaving the prompt: disconnects (logging out first) when connected. */
  async leave(): Promise<void> {
    if (this.d.client.isConnected) await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    const { client } = this.d;
    this.d.notices.closingOnPurpose = true;
    if (client.isLoggedIn) {
      try {
        await client.logout();
      } catch {
        // The connection ends either way.
      }
    }
    client.close();
  }
}
