#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 when the server on this host answers its readiness probe with 200.
// Reads the port and TLS settings from the same variables as the server. Over HTTPS the certificate is not checked:
// this is the server's own loopback address, and the certificate names the public host.
'use strict';
const port = Number(process.env.OPENSTS_PORT || 7750);
const secure = Boolean(process.env.OPENSTS_TLS_CERT_FILE);
const { get } = require(secure ? 'node:https' : 'node:http');

function probe(path, next) {
  const req = get({ host: '127.0.0.1', port, path, timeout: 2000, rejectUnauthorized: false }, (res) => {
    res.resume();
    // A server from before /readyz takes it for an STS request (400): ask /healthz instead. 503 is "not ready".
    if (res.statusCode !== 200 && res.statusCode !== 503 && next) return probe(next);
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on('timeout', () => req.destroy(new Error('timed out')));
  req.on('error', (err) => {
    process.stderr.write(`healthcheck: ${err.message}\n`);
    process.exit(1);
  });
}
probe('/readyz', '/healthz');
