/**
 * The machine's floor for `npm run bench -- --floor`: the same HTTP/1.1 layer and worker count as the server, but
 * every request answered with a fixed GetCallerIdentity response (no parsing of parameters, no SigV4, no token).
 * What wrk measures against it is the most any operation can reach on this machine.
 *
 *   node dist/bench/floor-server.js PORT WORKERS [node-http]
 *
 * With `node-http`, the same answer from node:http (llhttp) instead: what serving from Node's own HTTP stack would
 * cost (bench/RESULTS.md, "HTTP layer").
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createHttp1Server, type Http1Response } from '../src/server/http1.js';

const [port, workers] = process.argv.slice(2).map(Number) as [number, number];
const nodeHttp = process.argv[4] === 'node-http';
const body =
  '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
  '<Arn>arn:aws:iam::123456789012:user/bench</Arn><UserId>AIDAEXAMPLEEXAMPLE123</UserId><Account>123456789012</Account>' +
  `</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) console.log('floor server listening');
  });
  process.on('SIGTERM', () => cluster.disconnect(() => process.exit(0)));
} else {
  const answer = (): Http1Response => ({
    status: 200,
    headers: [
      ['Content-Type', 'text/xml'],
      ['Date', new Date().toUTCString()],
      ['x-amzn-RequestId', randomUUID()],
    ],
    body,
  });
  const server = nodeHttp
    ? createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const a = answer();
          res.writeHead(a.status, Object.fromEntries(a.headers));
          res.end(a.body);
        });
      })
    : createHttp1Server(answer, (status) => ({ status, headers: [], body: '' })).server;
  server.listen(port, '127.0.0.1', () => {
    if (cluster.isPrimary) console.log('floor server listening');
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
