/**
 * A TCP relay that adds a one-way delay in each direction, for scripts/latency.sh on kernels without the netem
 * qdisc. It models a link the way netem on loopback does: a new connection costs one round trip (the handshake)
 * before the first byte goes through, then every chunk reaches the other side `--delay-ms` later.
 *
 *   node dist/bench/delay-relay.js --listen 127.0.0.1:17001 --target 127.0.0.1:7001 --delay-ms 40
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { listen: { type: 'string' }, target: { type: 'string' }, 'delay-ms': { type: 'string', default: '0' } },
});
const hostPort = (s: string | undefined, what: string) => {
  const m = /^(127\.\d+\.\d+\.\d+):(\d+)$/.exec(s ?? '');
  if (!m) throw new Error(`--${what} must be a 127.x.x.x:port address`);
  return { host: m[1]!, port: Number(m[2]) };
};
const listen = hostPort(values.listen, 'listen');
const target = hostPort(values.target, 'target');
const delay = Number(values['delay-ms']);

/** Forwards from -> to, each chunk `delay` ms later, in order; the end too. */
function delayed(from: Socket, to: Socket, after: number): void {
  from.on('data', (chunk) => setTimeout(() => to.write(chunk), after));
  from.on('end', () => setTimeout(() => to.end(), after));
}

createServer((client) => {
  client.pause();
  client.on('error', () => client.destroy());
  // The handshake's round trip, then the data's one-way trips.
  setTimeout(() => {
    const server = createConnection(target, () => {
      delayed(client, server, delay);
      delayed(server, client, delay);
      client.resume();
    });
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
  }, 2 * delay);
}).listen(listen.port, listen.host, () =>
  process.stdout.write(`relay ${values.listen} -> ${values.target} (+${delay} ms each way)\n`),
);
