// A reply is counted (`stats().byResponseCode`) and observed (`onReply`, "what the client got") as it was packed, not
// as the sequence wrote it: under SmartVista (field 39 `n 3`) a reply's `39: 0`, in an object or as XML text, goes to
// the client as `000`, so it is counted and traced as `000` (it was counted and traced as `0`). Real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { InboundMessage, SequenceResult } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const DIALECT = 'smartvista';

const answers: [string, (m: InboundMessage) => SequenceResult][] = [
  ['an object with 39: 0', (m) => ({ ...m.fields, 0: '0210', 39: 0 })],
  ['XML text with <field id="39">0</field>', (m) => m.xml.replace('>0200<', '>0210<').replace('</data>', '<field id="39">0</field></data>')],
];

for (const [form, answer] of answers) {
  for (const observed of [true, false]) {
    test(`inbound reply – ${form} under smartvista is counted${observed ? ' and traced (onReply)' : ''} as packed: 000`, async (t) => {
      const seen: IsoMessage[] = [];
      const { endpoint, port } = await startEndpoint(t, { dialect: DIALECT, sequence: answer, ...(observed ? { onReply: (r: IsoMessage) => void seen.push(r) } : {}) });
      const client = await TestClient.connect(port, { dialect: DIALECT });
      t.after(() => client.destroy());
      const reply = await client.request(purchase(1, { 41: '00000001' }));
      assert.equal(reply.fields['39'], '000', 'the client got 000');
      assert.deepEqual(endpoint.stats().byResponseCode, { '000': 1 });
      if (observed) {
        assert.equal(seen.length, 1);
        assert.deepEqual(seen[0], reply.fields, 'onReply saw what the client got');
      }
    });
  }
}
