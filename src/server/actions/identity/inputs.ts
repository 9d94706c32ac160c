// Inputs of the ID login actions (issue 16).
import { z } from 'zod';

/** A configured identity provider's name (identity.providers[].name). */
export const ProviderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a provider name (1-32 of a-z 0-9 _ -)')
  .describe('provider');
