#!/usr/bin/env node
// A minimal MCP server: newline-delimited JSON-RPC on stdin/stdout, one
// tool (echo) whose definition is tool.json. No dependencies.
'use strict';
const readline = require('readline');
const tool = require('./tool.json');
const pkg = require('./package.json');

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function handle(req) {
  const reply = (result) => send({ jsonrpc: '2.0', id: req.id, result });
  const fail = (code, message) => send({ jsonrpc: '2.0', id: req.id, error: { code, message } });
  switch (req.method) {
    case 'initialize':
      return reply({
        protocolVersion: (req.params && req.params.protocolVersion) || '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: pkg.name, version: pkg.version },
      });
    case 'ping':
      return reply({});
    case 'tools/list':
      return reply({ tools: [tool] });
    case 'tools/call': {
      const p = req.params || {};
      if (p.name !== tool.name) return fail(-32602, 'unknown tool ' + p.name);
      const text = String((p.arguments && p.arguments.text) || '');
      return reply({ content: [{ type: 'text', text: text }] });
    }
    default:
      if (req.id !== undefined) fail(-32601, 'method not found: ' + req.method);
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  if (req && req.method) handle(req);
});
