// The services handlers reach through their context.
import type { Logger } from 'pino';
import type { Storage } from '../../storage/storage.ts';
import type { Clock, Random } from '../clock.ts';
import type { Config } from '../config.ts';
import type { IdentityServices } from '../identity/index.ts';
import type { LoginCodes } from '../identity/login-codes.ts';
import type { Levels } from '../levels.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Accounts } from './accounts.ts';
import type { AuditLog } from './audit.ts';
import type { ConversationReading } from './conversation-reading.ts';
import type { Conversations } from './conversations.ts';
import type { EmailConfirmation } from './email-confirmation.ts';
import type { GroupModeration } from './group-moderation.ts';
import type { Groups } from './groups.ts';
import type { Messages } from './messages.ts';
import type { PasswordReset } from './password-reset.ts';
import type { RateLimits } from './rate-limits.ts';
import type { RegistrationLimits } from './registration-limits.ts';
import type { Sessions } from './sessions.ts';

/** Everything below dispatch that a handler may use. */
export interface Services {
  readonly config: Config;
  readonly levels: Levels;
  readonly storage: Storage;
  readonly accounts: Accounts;
  readonly confirmation: EmailConfirmation;
  readonly passwordReset: PasswordReset;
  readonly audit: AuditLog;
  readonly sessions: Sessions;
  readonly messages: Messages;
  /** Stored conversations (messages.store); `reading` serves history, conversations, mark_read. */
  readonly conversations: Conversations;
  readonly reading: ConversationReading;
  /** Groups (membership, posting) and their moderation; rules in group-rules.ts. */
  readonly groups: Groups;
  readonly moderation: GroupModeration;
  readonly registrations: RegistrationLimits;
  readonly rateLimits: RateLimits;
  /** ID login: the identity providers and the device flows running (src/server/identity/). */
  readonly identity: IdentityServices;
  /** The web ID login's one-time login codes (issued by /oidc/…/callback, redeemed by oidc_code). */
  readonly loginCodes: LoginCodes;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** Request, commit and slow-consumer recorders (dispatch and the connection use them). */
  readonly metrics: ServerMetrics;
  /** Starts a graceful shutdown: `shutdown` to everyone, drain, exit 0. */
  shutdown(reason: string, by: string | null): void;
}
