// POST / takes its XML branch by the media type alone, and reads only XML text that passed the XML body checks
// (first character `<`, MAX_XML_TAGS), whichever parser read it: `text/plain; profile=xml` is text, not XML, and the
// app's own application/xml parser (which the plugin keeps) gets no way around the bounds. The bank sees nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { httpCall } from '@iso8583/test-support';
import { MAX_BODY_KEYS, MAX_XML_TAGS, iso8583Connector } from '../src/index.js';
import { answer, startPeer } from './peer.js';

type Parsed = 'text' | 'object';

async function setup(t: { after(fn: () => Promise<void> | void): void }, own?: Parsed) {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  // An app's own XML parser: passes the text on as it came, or an object (a parsed document) the routes cannot read.
  if (own !== undefined) app.addContentTypeParser('application/xml', { parseAs: 'string' }, (_r, body, done) => done(null, own === 'text' ? body : { doc: body }));
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  return { peer, port };
}

const ECHO = '{"0":"0800","11":"000007","70":"301"}';
const MANY_KEYS = '{"0":"0800",' + Array.from({ length: MAX_BODY_KEYS + 10 }, (_, i) => `"x${i}":1`).join(',') + '}';
const NOT_XML = 'the body is sent as XML but does not start with "<" (JSON is sent as application/json)';

function errorOf(body: string): { code?: string; message?: string } {
  const m = /^<error code="([^"]*)">(.*)<\/error>$/s.exec(body);
  if (m !== null) return { code: m[1], message: m[2]?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))) };
  return (JSON.parse(body) as { errors: { code: string; message: string }[] }).errors[0] ?? {};
}

test('fastify xml – "xml" in a Content-Type parameter is no XML: JSON sent as text/plain; profile=xml is refused as no message object, never sent', async (t) => {
  const { peer, port } = await setup(t);
  for (const body of [ECHO, MANY_KEYS]) {
    const r = await httpCall(port, 'POST', '/', { 'content-type': 'text/plain; profile=xml' }, body);
    assert.equal(r.status, 400, r.body);
    assert.match(r.body, /^\{/, 'answered in JSON, not as XML');
    assert.deepEqual(errorOf(r.body), { code: 'ISO8583_ERR_CONNECTOR_INPUT', message: 'the body must be a message object keyed by field number' });
  }
  // The media type is read case-blind, with its parameters: still XML.
  const xml = '<isomsg><field id="0" value="0800"/><field id="11" value="000008"/><field id="70" value="301"/></isomsg>';
  const ok = await httpCall(port, 'POST', '/', { 'content-type': 'Text/XML; charset=utf-8' }, xml);
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /^</, 'answered in XML');
  assert.equal(peer.received.length, 1);
});

test('fastify xml – the app\'s own application/xml parser: JSON and too many tags are refused as the plugin\'s parser refuses them, never sent', async (t) => {
  const { peer, port } = await setup(t, 'text');
  let many = '<isomsg><field id="0" value="0800"/>';
  for (let i = 0; i < MAX_XML_TAGS; i++) many += `<field id="k${i}" value="1"/>`;
  many += '</isomsg>';
  const cases: [string, string][] = [[ECHO, NOT_XML], [MANY_KEYS, NOT_XML], [many, `the body holds ${MAX_XML_TAGS + 3} XML tags, more than a message can (at most ${MAX_XML_TAGS})`]];
  for (const [body, reason] of cases) {
    const r = await httpCall(port, 'POST', '/', { 'content-type': 'application/xml' }, body);
    assert.equal(r.status, 400, r.body);
    assert.deepEqual(errorOf(r.body), { code: 'ISO8583_ERR_CONNECTOR_INPUT', message: reason });
  }
  assert.equal(peer.received.length, 0);
});

test('fastify xml – an app\'s application/xml parser that gives no text is refused naming it, never sent', async (t) => {
  const { peer, port } = await setup(t, 'object');
  const xml = '<isomsg><field id="0" value="0800"/><field id="11" value="000009"/><field id="70" value="301"/></isomsg>';
  const r = await httpCall(port, 'POST', '/', { 'content-type': 'application/xml' }, xml);
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(errorOf(r.body), {
    code: 'ISO8583_ERR_CONNECTOR_INPUT',
    message: 'the body must be an ISOMessage document: the application\'s content type parser for application/xml gave no text (it must parse as a string)',
  });
  assert.equal(peer.received.length, 0);
});
