// node:net and node:tls for the browser build: the page connects over WebSocket only.
function unavailable(): never {
  throw new Error('TCP is not available in a browser: use the WebSocket transport');
}
export const connect = unavailable;
export const isIP = (): number => 0;
export default { connect, isIP };
