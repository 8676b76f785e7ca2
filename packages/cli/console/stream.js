/* global document, navigator, EventSource, BroadcastChannel, fetch, setTimeout, clearTimeout, $, state, options, showSnapshot, showRecent, drawCharts, HISTORY, WINDOW_MS */
// The console's event stream, /console/events (Server-Sent Events): its events shown by console.js's functions, one
// stream per browser shared by its tabs, and the status badge (live, reconnecting, a server error, signed out).
// Loaded before console.js (both deferred); `connect()` is called by console.js once the page is read.
'use strict';

// ---- the event stream: one per browser, shared by its tabs ----

// Each open stream holds one of the six connections a browser keeps to one address over HTTP/1.1: a seventh tab's
// stream (and then every request of the page) would wait for one to close. So one tab of the browser (the holder of
// the Web Lock `LOCK`) opens the stream and hands each event to the other tabs over a BroadcastChannel; when it
// closes, the lock goes to another tab, which opens the stream. A tab that opens asks (`sync`) for what the holder
// has: the history, the list, the status. Without Web Locks (a page served over plain HTTP on an address other than
// the machine's own is not a secure context), each tab opens its own stream, and says so when it waits too long.
const LOCK = 'iso8583-console-stream';
// `events`: the tab's EventSource (one at most: a new one closes it); `opening`: one is opened and has not said hello
// (nor been refused), so a `sync` does not open another.
const stream = { channel: undefined, leader: false, hello: undefined, recent: undefined, status: undefined, retry: 1000, timer: undefined, events: undefined, opening: false };

function setStatus(status) {
  stream.status = status;
  $('status').textContent = status.text;
  $('status').dataset.state = status.state;
}

function onHello(hello) {
  stream.hello = hello;
  state.responseCodes = hello.responseCodes || {};
  state.tick = hello.tick || 1000;
  state.snapshots = hello.history.slice(-2 * HISTORY);
  options($('dialect'), hello.dialects);
  options($('frame'), hello.frames);
  options($('target'), hello.targets);
  state.sendOn = hello.send === true;
  $('send').disabled = !state.sendOn || state.sending;
  $('send-state').textContent = hello.send ? '' : 'sending is off (start with --console-send)';
  $('sign-out-form').hidden = hello.signOut !== true;
  if (state.snapshots.length > 0) showSnapshot(state.snapshots[state.snapshots.length - 1]);
  drawCharts();
  document.body.dataset.ready = 'true';
}

function onFigures(snap) {
  state.snapshots.push(snap);
  // Five minutes by time (the charts' window), whatever the number of snapshots that reached this page.
  while (state.snapshots.length > 1 && state.snapshots[0].t < snap.t - WINDOW_MS) state.snapshots.shift();
  showSnapshot(snap);
  drawCharts();
  document.body.dataset.ticks = String(Number(document.body.dataset.ticks || 0) + 1);
}

function onRecent(recent) {
  stream.recent = recent;
  showRecent(recent);
}

const HANDLERS = { hello: onHello, figures: onFigures, recent: onRecent, status: setStatus };

/** The stream's holder: shows an event and hands it to the other tabs. */
function deliver(type, data) {
  HANDLERS[type](data);
  if (stream.channel) stream.channel.postMessage({ type, data });
}

/** The holder answers a tab that opened: the history as it has it, the list, the status. */
function resend() {
  if (stream.hello === undefined) return;
  stream.channel.postMessage({ type: 'hello', data: { ...stream.hello, history: state.snapshots } });
  if (stream.recent !== undefined) stream.channel.postMessage({ type: 'recent', data: stream.recent });
  if (stream.status !== undefined) stream.channel.postMessage({ type: 'status', data: stream.status });
}

function openStream() {
  clearTimeout(stream.timer);
  if (stream.events) stream.events.close();
  const events = new EventSource('/console/events');
  stream.events = events;
  stream.opening = true;
  events.addEventListener('hello', (e) => {
    stream.opening = false;
    stream.retry = 1000;
    const hello = JSON.parse(e.data);
    deliver('hello', hello);
    deliver('status', { state: 'live', text: 'live' });
  });
  events.addEventListener('figures', (e) => deliver('figures', JSON.parse(e.data)));
  events.addEventListener('recent', (e) => deliver('recent', JSON.parse(e.data)));
  events.onerror = () => {
    // The network gone, the server restarting: the browser connects again by itself.
    if (events.readyState !== EventSource.CLOSED) {
      deliver('status', { state: 'lost', text: 'reconnecting' });
      return;
    }
    // The answer was not a stream, and the browser gives up: why (the status is not told to the page) is asked.
    events.close();
    void diagnose(events);
  };
  if (!stream.channel) {
    // Each tab its own stream: one waiting for a connection says why it may wait.
    stream.timer = setTimeout(() => {
      if (stream.hello === undefined) setStatus({ state: 'lost', text: 'waiting for a connection: close other console tabs of this address (a browser keeps 6 per address over plain HTTP)' });
    }, 10_000);
  }
}

/** Signed out (401: the session expired, signed out, or the token changed), or a server error: retried after a while. */
async function diagnose(events) {
  let status;
  try {
    status = (await fetch('/console/api/session', { cache: 'no-store' })).status;
  } catch {
    status = 0;
  }
  // Another stream was opened meanwhile: it is the one that says what happens.
  if (stream.events !== events) return;
  if (status === 401) {
    stream.opening = false;
    deliver('status', { state: 'closed', text: 'signed out: reload to sign in' });
    return;
  }
  const wait = stream.retry;
  stream.retry = Math.min(stream.retry * 2, 30_000);
  const why = status === 0 ? 'the server cannot be reached' : status >= 500 ? `server error (HTTP ${status})` : `the stream was refused (HTTP ${status})`;
  deliver('status', { state: 'lost', text: `${why}: retrying in ${Math.round(wait / 1000)} s` });
  stream.timer = setTimeout(openStream, wait);
}

function connect() {
  if (typeof BroadcastChannel !== 'function' || !navigator.locks) {
    openStream();
    return;
  }
  stream.channel = new BroadcastChannel(LOCK);
  stream.channel.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'sync') {
      // A tab that opens after a sign-out may come from a new sign-in (the cookie is the browser's): the stream is
      // tried again, and every tab goes live with it if so.
      // Once: tabs that open together each ask, and the stream already opening is the one they wait for.
      if (stream.leader && stream.status && stream.status.state === 'closed') {
        if (!stream.opening) openStream();
      } else if (stream.leader) resend();
    } else if (!stream.leader && Object.hasOwn(HANDLERS, m.type)) {
      HANDLERS[m.type](m.data);
    }
  };
  // Held until the tab closes: then the next tab waiting for it opens the stream.
  void navigator.locks.request(LOCK, () => {
    stream.leader = true;
    openStream();
    return new Promise(() => undefined);
  });
  stream.channel.postMessage({ type: 'sync' });
}
