#!/usr/bin/env node
// Converts openapi/openapi.json into a Postman v2.1 collection with openapi-to-postmanv2, then
// makes it usable and reproducible: folders by tag, request bodies from the document's examples,
// bearer auth through the collection variable `token` (inherited by every request, none for
// operations with `security: []`), a `baseUrl` variable, and no random ids or faked values that
// change from one run to the next (the same document gives the same file, byte for byte).
//
// Usage: node generate.js OPENAPI_JSON OUTPUT_JSON     (scripts/postman.sh generate calls it)
'use strict';

const crypto = require('crypto');
const fs = require('fs');

// Where the document gives no example, the converter fakes values with Math.random: seed it.
let seed = 0x5eed1234;
Math.random = () => {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// Faked dates and date-times count back from "now": make "now" a constant.
const RealDate = Date;
const NOW = RealDate.UTC(2026, 0, 1);
global.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW);
    else super(...args);
  }
  static now() {
    return NOW;
  }
};

const converter = require('openapi-to-postmanv2');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node generate.js OPENAPI_JSON OUTPUT_JSON');
  process.exit(2);
}

const BASE_URL = 'http://127.0.0.1:8080';
const OPTIONS = {
  folderStrategy: 'Tags',
  parametersResolution: 'Example',
  requestNameSource: 'Fallback',
  alwaysInheritAuthentication: true,
  enableOptionalParameters: false,
  includeAuthInfoInExample: false,
  indentCharacter: 'Space',
};

// A stable UUID-shaped id from a string (SHA-1 name-based, in the manner of UUID v5).
function stableId(name) {
  const h = crypto.createHash('sha1').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const spec = JSON.parse(fs.readFileSync(input, 'utf8'));

// "GET /api/v1/patients/{id}" -> the operation, to find the ones without authentication.
const operations = new Map();
for (const [path, item] of Object.entries(spec.paths || {})) {
  for (const [method, op] of Object.entries(item)) {
    if (typeof op === 'object' && op && 'responses' in op) {
      operations.set(`${method.toUpperCase()} ${path}`, op);
    }
  }
}

function operationOf(request) {
  const path = '/' + (request.url.path || []).map((s) => (s.startsWith(':') ? `{${s.slice(1)}}` : s)).join('/');
  return operations.get(`${request.method} ${path}`);
}

function walk(items, trail) {
  for (const item of items) {
    const here = `${trail}/${item.name}`;
    item.id = stableId(here);
    if (Array.isArray(item.item)) {
      walk(item.item, here);
      continue;
    }
    const op = operationOf(item.request);
    if (!op) throw new Error(`no operation in the document for ${item.request.method} ${here}`);
    if (op.operationId) item.request.description = { content: describe(op), type: 'text/markdown' };
    const security = op.security !== undefined ? op.security : spec.security;
    if (Array.isArray(security) && security.length === 0) item.request.auth = { type: 'noauth' };
    for (const [i, response] of (item.response || []).entries()) {
      response.id = stableId(`${here}#${i}`);
      if (response.originalRequest) delete response.originalRequest.auth;
    }
  }
}

function describe(op) {
  const parts = [`\`${op.operationId}\``];
  if (op.description) parts.push(op.description);
  return parts.join('\n\n');
}

converter.convertV2({ type: 'json', data: spec }, OPTIONS, (err, result) => {
  if (err) throw err;
  if (!result.result) {
    console.error(`openapi-to-postmanv2: ${result.reason}`);
    process.exit(1);
  }
  const collection = result.output[0].data;
  collection.info._postman_id = stableId(`collection/${collection.info.name}`);
  collection.info.description = {
    content:
      `${spec.info.description || ''}\n\nGenerated from \`openapi/openapi.json\` (version ${spec.info.version}) ` +
      'by `scripts/postman.sh generate`: do not edit by hand. Set the collection variables `baseUrl` ' +
      'and `token` (`approvals token --tenant CODE --role ADMIN`).',
    type: 'text/markdown',
  };
  collection.auth = { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] };
  collection.variable = [
    { key: 'baseUrl', value: BASE_URL, type: 'string' },
    { key: 'token', value: '', type: 'string' },
  ];
  walk(collection.item, '');
  fs.writeFileSync(output, JSON.stringify(collection, null, 2) + '\n');
});
