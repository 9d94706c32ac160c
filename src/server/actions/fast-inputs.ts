// Hand-written input checks for the hot actions (message_user, message_group, ack).
// Each accepts exactly what the action's zod tuple accepts, and those schemas do not
// transform, so an accepted `data` is the parsed input as it is. On a refusal dispatch
// runs zod, which finds the same fault and words the invalid_input message.
import { codePoints } from './inputs.ts';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 4_000;

/** A quick check of an action's raw inputs: true only when its zod schema would accept them. */
export type FastCheck = (data: unknown[]) => boolean;

function isText(v: unknown): boolean {
  if (typeof v !== 'string' || v.length === 0) return false;
  // At most one code point per UTF-16 unit: only a long text needs counting.
  return v.length <= MAX_TEXT || codePoints(v) <= MAX_TEXT;
}

function isOptionalClientId(v: unknown): boolean {
  return v === undefined || (typeof v === 'string' && CLIENT_ID.test(v));
}

function isConv(v: unknown): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= 80;
}

/** message_user [Username, MessageText, ClientId?] */
export const directMessageInput: FastCheck = (data) =>
  (data.length === 2 || data.length === 3) &&
  typeof data[0] === 'string' &&
  USERNAME.test(data[0]) &&
  isText(data[1]) &&
  isOptionalClientId(data[2]);

/** message_group [ConvName, MessageText, ClientId?] */
export const groupMessageInput: FastCheck = (data) =>
  (data.length === 2 || data.length === 3) &&
  isConv(data[0]) &&
  isText(data[1]) &&
  isOptionalClientId(data[2]);

/** ack [ConvName, Seq] */
export const ackInput: FastCheck = (data) => {
  const seq = data[1];
  return (
    data.length === 2 &&
    isConv(data[0]) &&
    typeof seq === 'number' &&
    Number.isInteger(seq) &&
    seq >= 0 &&
    seq <= Number.MAX_SAFE_INTEGER
  );
};
