// Outgoing email, pluggable: a development outbox (log + file) or SMTP through nodemailer.
import { appendFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** One plain-text email. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends email; rejects when the message could not be handed over. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** The file the development outbox appends to, inside the data directory. */
export function outboxFile(dataDir: string): string {
  return join(dataDir, 'dev-outbox.jsonl');
}

/**
 * Development delivery: nothing leaves the machine. Each mail is written to the
 * log and appended as one JSON line to `<data_dir>/dev-outbox.jsonl`.
 */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async send(mail: Mail): Promise<void> {
    const entry = {
      outbox: 'development: not sent',
      at: new Date(this.now()).toISOString(),
      ...mail,
    };
    this.log.warn({ mail: entry, file: this.file }, 'development outbox: email not sent');
    await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  close(): void {}
}

/** Real delivery to an SMTP server. */
export class SmtpMailer implements Mailer {
  private readonly transport;

  constructor(private readonly config: Config['mail']) {
    // Loaded only here: a server on the development outbox never loads nodemailer.
    const nodemailer: typeof import('nodemailer') = createRequire(import.meta.url)('nodemailer');
    this.transport = nodemailer.createTransport({
      host: config.smtp_host,
      port: config.smtp_port,
      secure: config.smtp_secure,
      auth: config.smtp_user ? { user: config.smtp_user, pass: config.smtp_password } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({ from: this.config.from, ...mail });
  }

  close(): void {
    this.transport.close();
  }
}

/** The mailer `mail.transport` asks for. */
export function createMailer(config: Config, log: Logger): Mailer {
  if (config.mail.transport === 'smtp') return new SmtpMailer(config.mail);
  return new OutboxMailer(outboxFile(config.server.data_dir), log);
}
