#!/usr/bin/env node
// client.mjs — small MCP client CLI built on @modelcontextprotocol/sdk's Client,
// used by mcpwarden's Go integration tests as a non-Go client.
//
// Usage:
//   node client.mjs --http URL [--header K=V]... [options] --ops JSON
//   node client.mjs --sse URL  [--header K=V]... [options] --ops JSON      (legacy HTTP+SSE)
//   node client.mjs [options] --ops JSON --stdio -- CMD [ARGS...]
//
// Options:
//   --ops JSON            JSON array of operations (default: [])
//   --ops-file PATH       read the ops array from a file ("-" = stdin)
//   --header K=V          extra HTTP header (repeatable; --http/--sse only)
//   --env K=V             extra env var for the --stdio child (repeatable; the
//                         child otherwise inherits this process's environment)
//   --cwd DIR             working directory for the --stdio child
//   --timeout MS          per-request timeout (default 30000)
//   --client-name NAME    clientInfo.name (default mcpwarden-npm-client)
//   --sampling-text TEXT  advertise `sampling` and answer sampling/createMessage
//                         with an assistant text message TEXT
//   --elicitation JSON    advertise `elicitation` (form+url) and answer every
//                         elicitation/create with this result,
//                         e.g. '{"action":"accept","content":{"x":1}}'
//   --roots JSON          advertise `roots` and answer roots/list with
//                         {"roots": JSON}, e.g. '[{"uri":"file:///tmp","name":"tmp"}]'
//   --terminate           (HTTP) send DELETE to end the session before exiting
//   --trace               add "trace": every JSON-RPC message sent/received
//
// Ops (extra fields are passed as request params where noted):
//   {"op":"listTools"[,"cursor":C][,"all":true]}     all=true follows nextCursor
//   {"op":"callTool","name":N,"arguments":{...}[,"progress":true][,"meta":{...}]}
//   {"op":"listResources"[,"cursor":C][,"all":true]}
//   {"op":"listResourceTemplates"[,"cursor":C][,"all":true]}
//   {"op":"callToolTask","name":N,"arguments":{...}[,"ttl":MS]}  a task-augmented call
//                         (SDK experimental tasks: callToolStream, polling tasks/get, then
//                         tasks/result); result: {"events":[{"type":..,"task"|"result"|"error":..}]}
//   {"op":"readResource","uri":U}
//   {"op":"subscribeResource","uri":U} / {"op":"unsubscribeResource","uri":U}
//   {"op":"listPrompts"[,"cursor":C][,"all":true]}
//   {"op":"getPrompt","name":N,"arguments":{...}}
//   {"op":"complete","ref":{...},"argument":{"name":..,"value":..}[,"context":{...}]}
//   {"op":"setLoggingLevel","level":"debug"}
//   {"op":"ping"}
//   {"op":"request","method":M,"params":{...}}      any raw request
//   {"op":"notify","method":M,"params":{...}}       any raw notification
//   {"op":"sleep","ms":N}                           wait (e.g. for notifications)
//
// Output: exactly one JSON object on stdout:
//   {"serverInfo":..,"capabilities":..,"protocolVersion":..,"instructions":..,
//    "sessionId":..,"results":[{"op":..,"ok":true,"result":..,"durationMs":..}
//                             |{"op":..,"ok":false,"error":{"code":..,"message":..,"data":..,"name":..}}],
//    "notifications":[{"method":..,"params":..}], "serverRequests":[{"method":..,"params":..}]}
// An op failure never aborts the remaining ops. callTool results with
// isError:true are ok:true (they are protocol results). With "progress":true a
// callTool result entry also has "progress":[...notification params...].
//
// Exit codes: 0 = connected and ran all ops; 1 = connect/initialize failed
// (stdout then has {"error":{...}}); 2 = usage error.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  ResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { readFileSync } from 'node:fs';

function usage(msg) {
  process.stderr.write(`client.mjs: ${msg}\n` +
    'usage: node client.mjs (--http URL | --sse URL | --stdio -- CMD ARGS...) [--header K=V]... [--env K=V]... [--ops JSON]\n');
  process.exit(2);
}

function parseKV(s, flag) {
  const i = s.indexOf('=');
  if (i <= 0) usage(`${flag} expects K=V, got ${JSON.stringify(s)}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function parseJSON(s, flag) {
  try {
    return JSON.parse(s);
  } catch (e) {
    usage(`${flag}: invalid JSON: ${e.message}`);
  }
}

// ---- argument parsing ----
const argv = process.argv.slice(2);
const opt = { headers: {}, env: {}, timeout: 30000, clientName: 'mcpwarden-npm-client', ops: [] };
let stdioCmd = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    return argv[++i];
  };
  switch (a) {
    case '--http': opt.http = next(); break;
    case '--sse': opt.sse = next(); break;
    case '--stdio': opt.stdio = true; break;
    case '--': stdioCmd = argv.slice(i + 1); i = argv.length; break;
    case '--header': { const [k, v] = parseKV(next(), a); opt.headers[k] = v; break; }
    case '--env': { const [k, v] = parseKV(next(), a); opt.env[k] = v; break; }
    case '--cwd': opt.cwd = next(); break;
    case '--ops': opt.ops = parseJSON(next(), a); break;
    case '--ops-file': {
      const p = next();
      opt.ops = parseJSON(readFileSync(p === '-' ? 0 : p, 'utf8'), a);
      break;
    }
    case '--timeout': opt.timeout = Number(next()); break;
    case '--client-name': opt.clientName = next(); break;
    case '--sampling-text': opt.samplingText = next(); break;
    case '--elicitation': opt.elicitation = parseJSON(next(), a); break;
    case '--roots': opt.roots = parseJSON(next(), a); break;
    case '--terminate': opt.terminate = true; break;
    case '--trace': opt.trace = true; break;
    case '-h': case '--help': usage('help'); break;
    default: usage(`unknown argument ${JSON.stringify(a)}`);
  }
}
const modes = [opt.http, opt.sse, opt.stdio].filter(Boolean).length;
if (modes !== 1) usage('exactly one of --http URL, --sse URL, --stdio is required');
if (opt.stdio && (!stdioCmd || stdioCmd.length === 0)) usage('--stdio needs "-- CMD [ARGS...]"');
if (!opt.stdio && stdioCmd) usage('"-- CMD" is only valid with --stdio');
if (!Array.isArray(opt.ops)) usage('--ops must be a JSON array');
if (!(opt.timeout > 0)) usage('--timeout must be a positive number of milliseconds');

// ---- transport ----
let inner;
if (opt.http) {
  inner = new StreamableHTTPClientTransport(new URL(opt.http), { requestInit: { headers: opt.headers } });
} else if (opt.sse) {
  // requestInit headers are applied to both the GET event stream and the POSTs.
  inner = new SSEClientTransport(new URL(opt.sse), { requestInit: { headers: opt.headers } });
} else {
  inner = new StdioClientTransport({
    command: stdioCmd[0],
    args: stdioCmd.slice(1),
    env: { ...process.env, ...opt.env },
    cwd: opt.cwd,
    stderr: 'inherit',
  });
}

// Thin wrapper transport: records the negotiated protocol version (for every
// transport, stdio included) and optionally traces raw JSON-RPC messages.
const trace = [];
let initId = null;
let negotiatedVersion = null;
class TapTransport {
  constructor(t) {
    this.t = t;
    t.onmessage = (msg, extra) => {
      if (opt.trace) trace.push({ dir: 'recv', msg });
      if (initId !== null && msg && msg.id === initId && msg.result && msg.result.protocolVersion) {
        negotiatedVersion = msg.result.protocolVersion;
      }
      this.onmessage?.(msg, extra);
    };
    t.onclose = () => this.onclose?.();
    t.onerror = (e) => this.onerror?.(e);
  }
  start() { return this.t.start(); }
  close() { return this.t.close(); }
  send(msg, options) {
    if (opt.trace) trace.push({ dir: 'send', msg });
    if (msg && msg.method === 'initialize' && msg.id !== undefined) initId = msg.id;
    return this.t.send(msg, options);
  }
  get sessionId() { return this.t.sessionId; }
  setProtocolVersion(v) { if (this.t.setProtocolVersion) this.t.setProtocolVersion(v); }
}
const transport = new TapTransport(inner);

// ---- client ----
const capabilities = {};
if (opt.samplingText !== undefined) capabilities.sampling = {};
if (opt.elicitation !== undefined) capabilities.elicitation = { form: {}, url: {} };
if (opt.roots !== undefined) capabilities.roots = { listChanged: true };
const client = new Client({ name: opt.clientName, version: '0.0.0' }, { capabilities });

const notifications = [];
const serverRequests = [];
client.fallbackNotificationHandler = async (n) => {
  notifications.push({ method: n.method, params: n.params });
};
if (capabilities.sampling) {
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    serverRequests.push({ method: req.method, params: req.params });
    return { role: 'assistant', content: { type: 'text', text: opt.samplingText }, model: 'mcpwarden-test-model', stopReason: 'endTurn' };
  });
}
if (capabilities.elicitation) {
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    serverRequests.push({ method: req.method, params: req.params });
    return opt.elicitation;
  });
}
if (capabilities.roots) {
  client.setRequestHandler(ListRootsRequestSchema, async (req) => {
    serverRequests.push({ method: req.method, params: req.params });
    return { roots: opt.roots };
  });
}
client.onerror = (e) => {
  process.stderr.write(`client.mjs: transport error: ${e && e.message ? e.message : e}\n`);
};

function errObj(e) {
  if (e && typeof e === 'object') {
    let message = String(e.message ?? e);
    const code = typeof e.code === 'number' ? e.code : e.code ?? null;
    // McpError prefixes "MCP error <code>: "; report the server's own message.
    const prefix = `MCP error ${code}: `;
    if (e.name === 'McpError' && message.startsWith(prefix)) message = message.slice(prefix.length);
    const name = e.name && e.name !== 'Error' ? e.name : e.constructor?.name || 'Error';
    const o = { code, message, name };
    if (e.data !== undefined) o.data = e.data;
    return o;
  }
  return { code: null, message: String(e), name: 'Error' };
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const reqOpts = { timeout: opt.timeout };

async function listAll(fn, key, op) {
  const params = {};
  if (op.cursor !== undefined) params.cursor = op.cursor;
  if (!op.all) return fn(Object.keys(params).length ? params : undefined);
  const acc = [];
  let page;
  let pages = 0;
  do {
    page = await fn(Object.keys(params).length ? params : undefined);
    acc.push(...(page[key] || []));
    params.cursor = page.nextCursor;
    pages++;
  } while (page.nextCursor && pages < 1000);
  return { [key]: acc, pages };
}

async function runOp(op) {
  switch (op.op) {
    case 'listTools':
      return listAll((p) => client.listTools(p, reqOpts), 'tools', op);
    case 'listResources':
      return listAll((p) => client.listResources(p, reqOpts), 'resources', op);
    case 'listResourceTemplates':
      return listAll((p) => client.listResourceTemplates(p, reqOpts), 'resourceTemplates', op);
    case 'listPrompts':
      return listAll((p) => client.listPrompts(p, reqOpts), 'prompts', op);
    case 'callTool': {
      const params = { name: op.name, arguments: op.arguments ?? {} };
      if (op.meta) params._meta = op.meta;
      const o = { ...reqOpts };
      if (op.progress) {
        op._progress = [];
        o.onprogress = (p) => op._progress.push(p);
        o.resetTimeoutOnProgress = true;
      }
      return client.callTool(params, undefined, o);
    }
    case 'callToolTask': {
      const params = { name: op.name, arguments: op.arguments ?? {} };
      const o = { ...reqOpts };
      if (op.ttl !== undefined) o.task = { ttl: op.ttl };
      const events = [];
      for await (const msg of client.experimental.tasks.callToolStream(params, undefined, o)) {
        const ev = { type: msg.type };
        if (msg.task) ev.task = msg.task;
        if (msg.result) ev.result = msg.result;
        if (msg.error) ev.error = { code: msg.error.code, message: msg.error.message, data: msg.error.data };
        events.push(ev);
      }
      return { events };
    }
    case 'readResource':
      return client.readResource({ uri: op.uri }, reqOpts);
    case 'subscribeResource':
      return client.subscribeResource({ uri: op.uri }, reqOpts);
    case 'unsubscribeResource':
      return client.unsubscribeResource({ uri: op.uri }, reqOpts);
    case 'getPrompt': {
      const params = { name: op.name };
      if (op.arguments !== undefined) params.arguments = op.arguments;
      return client.getPrompt(params, reqOpts);
    }
    case 'complete': {
      const params = { ref: op.ref, argument: op.argument };
      if (op.context !== undefined) params.context = op.context;
      return client.complete(params, reqOpts);
    }
    case 'setLoggingLevel':
      return client.setLoggingLevel(op.level, reqOpts);
    case 'ping':
      return client.ping(reqOpts);
    case 'request': {
      const req = { method: op.method };
      if (op.params !== undefined) req.params = op.params;
      return client.request(req, ResultSchema, reqOpts);
    }
    case 'notify': {
      const n = { method: op.method };
      if (op.params !== undefined) n.params = op.params;
      await client.notification(n);
      return {};
    }
    case 'sleep':
      await new Promise((r) => setTimeout(r, Number(op.ms) || 0));
      return {};
    default:
      throw Object.assign(new Error(`unknown op ${JSON.stringify(op.op)}`), { name: 'UsageError' });
  }
}

async function main() {
  try {
    await client.connect(transport, reqOpts);
  } catch (e) {
    const o = { error: errObj(e) };
    if (opt.trace) o.trace = trace;
    out(o);
    try { await client.close(); } catch (_) {}
    process.exit(1);
  }

  const results = [];
  for (const raw of opt.ops) {
    const op = raw && typeof raw === 'object' ? { ...raw } : { op: raw };
    const t0 = performance.now();
    let entry;
    try {
      const result = await runOp(op);
      entry = { op: op.op, ok: true, result };
    } catch (e) {
      entry = { op: op.op, ok: false, error: errObj(e) };
    }
    if (op._progress) entry.progress = op._progress;
    entry.durationMs = Math.round((performance.now() - t0) * 10) / 10;
    results.push(entry);
  }

  const o = {
    serverInfo: client.getServerVersion() ?? null,
    capabilities: client.getServerCapabilities() ?? null,
    protocolVersion: negotiatedVersion,
    instructions: client.getInstructions() ?? null,
    sessionId: transport.sessionId ?? null,
    results,
    notifications,
    serverRequests,
  };
  if (opt.terminate && inner.terminateSession) {
    try {
      await inner.terminateSession();
      o.terminated = true;
    } catch (e) {
      o.terminated = false;
      o.terminateError = errObj(e);
    }
  }
  if (opt.trace) o.trace = trace;
  out(o);
  try { await client.close(); } catch (_) {}
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`client.mjs: fatal: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
