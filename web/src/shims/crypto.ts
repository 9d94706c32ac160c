// node:crypto for the browser build: the SDK only needs randomUUID (client ids).
/** A random UUID from the browser's Web Crypto. */
export const randomUUID = (): string => globalThis.crypto.randomUUID();
export default { randomUUID };
