/* global document, window, getComputedStyle, fetch, connect */
// The iso8583 operator console: live figures from /console/events (Server-Sent Events), the recent transactions
// (masked by the server), and the message workbench (decode and send through /console/api/*). Every value from the
// server is written with textContent, never as HTML. The event stream (shared by the browser's tabs) is stream.js.
'use strict';

const HISTORY = 300; // five minutes of one-second snapshots
// sendOn: the server lets the workbench send (--console-send); sending: a send is in flight.
const state = { snapshots: [], responseCodes: {}, sendOn: false, sending: false, tick: 1000 };

function $(id) {
  return document.getElementById(id);
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

function fill(tableId, rows, build) {
  const body = $(tableId).tBodies[0];
  const fresh = document.createElement('tbody');
  for (const row of rows) {
    const tr = document.createElement('tr');
    build(tr, row);
    fresh.appendChild(tr);
  }
  body.replaceWith(fresh);
}

function figure(value, digits) {
  if (value === null || value === undefined) return '-';
  return typeof value === 'number' ? value.toLocaleString('en', { maximumFractionDigits: digits ?? 1 }) : String(value);
}

// ---- charts: plain canvas, one line per series, the last five minutes by time ----

const WINDOW_MS = HISTORY * 1000;

/**
 * The points of one series on a chart from `left` to `right`, placed by their time (`t`, the server's clock): the
 * newest snapshot at `right`, five minutes before it at `left`. A gap of more than three ticks (events the server
 * skipped for a slow page, a reconnection) or a `null` value breaks the line: `{ x, v, start }`, `start` where a
 * line begins again.
 */
function chartPoints(snaps, key, left, right, tick) {
  if (snaps.length === 0) return [];
  const end = snaps[snaps.length - 1].t;
  const gap = 3 * (tick || 1000);
  const points = [];
  let previous;
  for (const s of snaps) {
    const v = s[key];
    if (s.t < end - WINDOW_MS || v === null || v === undefined) {
      previous = undefined;
      continue;
    }
    const x = right - ((end - s.t) / WINDOW_MS) * (right - left);
    points.push({ x, v, start: previous === undefined || s.t - previous > gap });
    previous = s.t;
  }
  return points;
}

function drawChart(canvas, series, options) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const left = 48;
  const bottom = height - 20;
  const top = 8;
  const right = width - 8;
  const lines = series.map((s) => ({ color: s.color, points: chartPoints(state.snapshots, s.key, left, right, state.tick) }));
  let max = 0;
  for (const l of lines) for (const p of l.points) if (p.v > max) max = p.v;
  max = max <= 0 ? 1 : niceCeiling(max);
  ctx.strokeStyle = '#dde2e8';
  ctx.fillStyle = '#6a7585';
  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i += 1) {
    const y = bottom - ((bottom - top) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    ctx.fillText(axisLabels(max)[i], 4, y + 4);
  }
  ctx.fillText('-5 min', left, height - 4);
  ctx.fillText('now', right - 22, height - 4);
  for (const l of lines) {
    ctx.strokeStyle = l.color;
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    for (const p of l.points) {
      const y = bottom - ((bottom - top) * p.v) / max;
      if (p.start) ctx.moveTo(p.x, y);
      else ctx.lineTo(p.x, y);
    }
    ctx.stroke();
  }
  if (options && options.empty && lines.every((l) => l.points.every((p) => p.v === 0))) {
    ctx.fillStyle = '#6a7585';
    ctx.fillText(options.empty, left + 12, top + 16);
  }
}

/** The y axis's labels, 0 to `max` by quarters: a nice top (1, 2, 2.5, 5 x 10^n) needs two decimals at most (0.25, not 0.3). */
function axisLabels(max) {
  return [0, 1, 2, 3, 4].map((i) => figure((max * i) / 4, 2));
}

function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function drawCharts() {
  const css = getComputedStyle(document.documentElement);
  drawChart($('rate-chart'), [{ key: 'rate', color: css.getPropertyValue('--accent').trim() || '#1f6feb' }], { empty: 'no traffic yet' });
  drawChart(
    $('latency-chart'),
    ['p50', 'p95', 'p99'].map((k) => ({ key: k, color: css.getPropertyValue(`--${k}`).trim() })),
    { empty: 'no transactions yet' },
  );
}

// ---- figures ----

/** Writes a tile's figure: a long one (a busy gateway's totals) in a smaller size, wrapped rather than cut. */
function tile(id, text) {
  $(id).textContent = text;
  $(id).classList.toggle('long', text.length > 8);
}

function showSnapshot(s) {
  tile('rate', figure(s.rate));
  tile('p50', figure(s.p50, 2));
  tile('p95', figure(s.p95, 2));
  tile('p99', figure(s.p99, 2));
  tile('requests', figure(s.totals.requests, 0));
  tile('failures', `${figure(s.totals.timeouts, 0)} / ${figure(s.totals.errors, 0)}`);
  tile('reversals', figure(s.reversalsPending, 0));
  if (typeof s.safDepth === 'number') {
    $('saf-tile').hidden = false;
    tile('saf', figure(s.safDepth, 0));
  }
  // SAF entries given up (expired after --saf-expire-after, or abandoned after their last attempt): money the host
  // may not know of; red above 0.
  const givenUp = typeof s.safGivenUp === 'number' ? s.safGivenUp : s.safAbandoned;
  if (typeof givenUp === 'number') {
    $('saf-abandoned-tile').hidden = false;
    tile('saf-abandoned', figure(givenUp, 0));
    $('saf-abandoned-tile').classList.toggle('alert', givenUp > 0);
  }
  if (typeof s.undeliveredNotReversed === 'number') {
    $('not-reversed-tile').hidden = false;
    tile('not-reversed', figure(s.undeliveredNotReversed, 0));
    $('not-reversed-tile').classList.toggle('alert', s.undeliveredNotReversed > 0);
  }
  // A SAF journal stopped (its folder removed, a full disk): what it holds is in this process's memory only.
  const stopped = s.journalStopped;
  $('journal-stopped-tile').hidden = !stopped;
  if (stopped) {
    tile('journal-stopped', figure(stopped.notDurable, 0));
    $('journal-stopped-text').textContent = `SAF entries held in memory only (${stopped.connectors.join(', ')}${stopped.unrecorded > 0 ? `; ${stopped.unrecorded} ended, not recorded` : ''})`;
  }
  // The upstreams' answers, and beside them the ones the gateway gave itself (no link, a timeout), when it counts them.
  const own = s.ownAnswers;
  const codes = [...new Set([...Object.keys(s.byResponseCode), ...Object.keys(own || {})])]
    .map((code) => [code, s.byResponseCode[code] || 0, own ? own[code] || 0 : 0])
    .sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
  $('own-head').hidden = !own;
  fill('outcomes', codes, (tr, [code, n, byGateway]) => {
    cell(tr, code, 'mono');
    cell(tr, state.responseCodes[code] || '');
    cell(tr, figure(n, 0), 'num');
    if (own) cell(tr, figure(byGateway, 0), 'num');
  });
  fill('upstreams', Object.entries(s.connectors), (tr, [name, c]) => {
    cell(tr, name);
    const st = c.state || (c.connected > 0 ? 'up' : 'down');
    cell(tr, st, `state-${st}`);
    cell(tr, figure(c.connected, 0), 'num');
    cell(tr, figure(c.inFlight, 0), 'num');
    cell(tr, figure(c.pending, 0), 'num');
    cell(tr, figure(c.reversalsPending, 0), 'num');
  });
  fill('clients', Object.entries(s.clients), (tr, [name, n]) => {
    cell(tr, name);
    cell(tr, figure(n, 0), 'num');
  });
}

function showRecent(recent) {
  $('recent-source').textContent = recent.source === 'log' ? '(from the transaction log)' : '(last seen by this process)';
  // The transaction log fails: the ring is shown, and why, by the log's error code.
  $('recent-error').textContent = recent.logError ? `the transaction log fails: ${recent.logError}` : '';
  $('recent-error').hidden = !recent.logError;
  fill('recent', recent.items, (tr, r) => {
    cell(tr, new Date(r.at).toLocaleTimeString());
    cell(tr, r.responseMti ? `${r.mti} → ${r.responseMti}` : r.mti, 'mono');
    cell(tr, r.stan, 'mono');
    cell(tr, r.terminal, 'mono');
    cell(tr, r.pan, 'mono');
    cell(tr, r.amount, 'num');
    cell(tr, r.responseCode || r.errorCode || '', 'mono');
    const shown = outcomeShown(r);
    cell(tr, shown.text, shown.className);
    cell(tr, figure(r.latencyMs, 1), 'num');
    cell(tr, r.upstream);
    // The node that recorded it: a shared (PostgreSQL) transaction log lists every node's transactions.
    cell(tr, r.node);
  });
}

/**
 * A record's outcome as the list shows it: a reversal (or advice) the host answered with a code that accepts nothing
 * ended its SAF entry, but undid nothing (`errorCode` ISO8583_WARN_SAF_REVERSAL_DECLINED): `reversal declined`, red.
 */
function outcomeShown(r) {
  if (r.errorCode === 'ISO8583_WARN_SAF_REVERSAL_DECLINED') return { text: 'reversal declined', className: 'outcome-declined' };
  if (r.errorCode === 'ISO8583_WARN_SAF_ADVICE_DECLINED') return { text: 'advice declined', className: 'outcome-declined' };
  return { text: r.outcome, className: `outcome-${r.outcome}` };
}

/**
 * Fills `select` with `values`, keeping the operator's choice when it is still offered: a `hello` comes again each time
 * the stream opens again or another tab of the console opens, and a send target reset to the first would send the next
 * message to another upstream than the one chosen.
 */
function options(select, values) {
  const chosen = select.value;
  select.replaceChildren(
    ...values.map((v) => {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = v;
      return o;
    }),
  );
  if (chosen !== '' && values.includes(chosen)) select.value = chosen;
}

// ---- workbench ----

function showFields(tableId, fields) {
  const rows = [];
  const walk = (list, depth) => {
    for (const f of list) {
      rows.push({ f, depth });
      if (f.fields) walk(f.fields, depth + 1);
      if (f.tags) walkTags(f.id, f.tags, depth + 1);
    }
  };
  const walkTags = (id, tags, depth) => {
    for (const t of tags) {
      rows.push({ f: { id: `${id}.${t.tag}`, name: t.name, value: `[${t.bytes} byte${t.bytes === 1 ? '' : 's'} hidden]`, masked: 'emv' }, depth });
      if (t.children) walkTags(id, t.children, depth + 1);
    }
  };
  walk(fields, 0);
  fill(tableId, rows, (tr, { f, depth }) => {
    if (depth > 0) tr.className = 'sub';
    const id = cell(tr, f.id, 'mono');
    id.style.paddingLeft = `${8 + depth * 16}px`;
    cell(tr, f.name);
    cell(tr, f.value, f.masked ? 'mono masked' : 'mono');
    cell(tr, f.meaning || (f.masked ? `masked (${f.masked})` : ''));
  });
  $(tableId).hidden = false;
}

/** Posts `body` as JSON: an object is serialised, a string is sent as it is (JSON text the caller built). */
async function post(path, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const data = await res.json().catch(() => ({ error: { code: `HTTP ${res.status}`, message: res.statusText } }));
  if (!res.ok) {
    const e = data.error || {};
    throw new Error(`${e.code || res.status}: ${e.message || ''}`);
  }
  return data;
}

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = message === '';
}

function workbench() {
  $('decode-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    showError('decode-error', '');
    try {
      const decoded = await post('/console/api/decode', {
        hex: $('hex').value,
        dialect: $('dialect').value,
        frame: $('frame').value,
        headerBytes: Number($('header-bytes').value || 0),
      });
      const fields = decoded.header ? [{ id: 'header', name: 'HEADER', value: decoded.header }, ...decoded.fields] : decoded.fields;
      showFields('decoded', fields);
    } catch (err) {
      $('decoded').hidden = true;
      showError('decode-error', err.message);
    }
  });
  // One click sends once. The second click of a double click (event.detail 2, 3...) is dropped even when the answer
  // came back between the two clicks; keyboard activation has detail 0 and always counts.
  $('send').addEventListener('click', (e) => {
    if (e.detail > 1) e.preventDefault();
  });
  $('send-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    // A send in flight holds the button (disabled, aria-busy) until its answer or its error: a second send of the same
    // message would be refused by the connector as a duplicate key (same MTI, STAN, terminal) and shown as an error.
    if (state.sending) return;
    showError('send-error', '');
    // The box's text is sent as the operator wrote it, for the server's checks to judge: parsed and serialised again,
    // `"4": 25.00` would go out as 25 minor units and a field given twice as its last value (docs/message-views.md).
    // JSON.parse here only says "not JSON" early; text it accepts is one JSON value, so the body below is JSON too.
    const message = $('compose').value;
    try {
      JSON.parse(message);
    } catch {
      showError('send-error', 'the message is not JSON');
      return;
    }
    busy(true);
    try {
      const answer = await post('/console/api/send', `{"message":${message},"upstream":${JSON.stringify($('target').value)}}`);
      $('send-state').textContent = `answered by ${answer.upstream} in ${figure(answer.latencyMs, 2)} ms`;
      showFields('answer', answer.fields);
    } catch (err) {
      $('send-state').textContent = '';
      $('answer').hidden = true;
      showError('send-error', err.message);
    } finally {
      busy(false);
    }
  });
}

/** Holds the Send button while a send is in flight (disabled, `aria-busy`, "sending…") and gives it back after. */
function busy(on) {
  state.sending = on;
  $('send').disabled = on || !state.sendOn;
  $('send').setAttribute('aria-busy', String(on));
  $('send-form').setAttribute('aria-busy', String(on));
  if (on) $('send-state').textContent = 'sending…';
}

window.addEventListener('resize', drawCharts);
document.addEventListener('DOMContentLoaded', () => {
  workbench();
  connect();
});
