// The `super-client` terminal client: not built yet (issue 3). Until then, use nc.
process.stderr.write(
  'super-client is not built yet. Connect with: nc 127.0.0.1 12345 and type JSON lines, e.g.\n' +
    '{"action":"ping","data":[],"tag":"1"}\n',
);
process.exit(1);
