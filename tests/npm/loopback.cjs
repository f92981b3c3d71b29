'use strict';
// loopback.cjs — `node --require /abs/path/loopback.cjs server.js ...`
// (or NODE_OPTIONS="--require /abs/path/loopback.cjs").
//
// Forces every TCP net.Server#listen() in the process (http/https/express/hono
// servers included) to bind to 127.0.0.1 instead of all interfaces, whatever
// argument form is used:
//   listen()                      listen(cb)
//   listen(port[, host][, backlog][, cb])   (port may be a number or numeric string)
//   listen({ port, host, ... }[, cb])
// Left untouched: unix sockets / named pipes (path forms) and handle/fd forms.
//
// Environment:
//   MCPWARDEN_LOOPBACK_HOST   host to force (default 127.0.0.1; e.g. ::1)
//   MCPWARDEN_LISTEN_FILE     if set, "host:port\n" is appended to this file
//                             once each forced server is listening
//   MCPWARDEN_LOOPBACK_QUIET  if "1", do not print the stderr line
// Once a forced server is listening, one line is written to stderr:
//   mcpwarden-loopback: listening on 127.0.0.1:<port> pid=<pid>
// so a launcher can use PORT=0 and learn the real port.

const net = require('node:net');
const fs = require('node:fs');

const HOST = process.env.MCPWARDEN_LOOPBACK_HOST || '127.0.0.1';
const origListen = net.Server.prototype.listen;

function toNumber(x) {
  return (x = Number(x)) >= 0 ? x : false;
}
function isPipeName(s) {
  return typeof s === 'string' && toNumber(s) === false;
}

function announce(server) {
  server.prependOnceListener('listening', () => {
    let addr;
    try {
      addr = server.address();
    } catch (_) {
      return;
    }
    if (!addr || typeof addr !== 'object') return;
    const hp = (addr.family === 'IPv6' || addr.family === 6 ? `[${addr.address}]` : addr.address) + ':' + addr.port;
    if (process.env.MCPWARDEN_LOOPBACK_QUIET !== '1') {
      try {
        process.stderr.write(`mcpwarden-loopback: listening on ${hp} pid=${process.pid}\n`);
      } catch (_) {}
    }
    if (process.env.MCPWARDEN_LISTEN_FILE) {
      try {
        fs.appendFileSync(process.env.MCPWARDEN_LISTEN_FILE, hp + '\n');
      } catch (_) {}
    }
  });
}

function loopbackListen(...args) {
  // Mirror node's internal normalizeArgs() to find out which form this is.
  let options;
  let cb = null;
  let backlogFromArgs;
  if (args.length === 0 || typeof args[0] === 'function') {
    // listen() / listen(cb): random port on all interfaces.
    options = { port: 0 };
    if (typeof args[0] === 'function') cb = args[0];
  } else if (typeof args[0] === 'object' && args[0] !== null) {
    const o = args[0];
    const isHandle = o._handle !== undefined || o.handle !== undefined || (typeof o.fd === 'number' && o.fd >= 0);
    const isPort = typeof o.port === 'number' || typeof o.port === 'string';
    if (isHandle || !isPort || (o.path !== undefined && o.path !== null && o.path !== '')) {
      return origListen.apply(this, args);
    }
    options = Object.assign({}, o);
    if (typeof args[args.length - 1] === 'function') cb = args[args.length - 1];
  } else if (isPipeName(args[0])) {
    // listen(path[, backlog][, cb]): unix socket / pipe.
    return origListen.apply(this, args);
  } else {
    // listen(port[, host][, backlog][, cb]); port may be undefined/null/number/numeric string.
    options = { port: args[0] === undefined || args[0] === null ? 0 : args[0] };
    backlogFromArgs = toNumber(args.length > 1 && args[1]) || toNumber(args.length > 2 && args[2]);
    if (typeof args[args.length - 1] === 'function') cb = args[args.length - 1];
    if (backlogFromArgs !== false && backlogFromArgs !== undefined && options.backlog === undefined) {
      options.backlog = backlogFromArgs;
    }
  }
  options.host = HOST;
  delete options.ipv6Only; // meaningless for an IPv4 loopback bind
  announce(this);
  return cb ? origListen.call(this, options, cb) : origListen.call(this, options);
}

net.Server.prototype.listen = loopbackListen;
