// Opens an HTML file in headless Chromium through the DevTools protocol, runs JavaScript steps in the
// page and prints what happened as JSON: console messages, uncaught exceptions, dialogs, network
// requests, the value of each step, the load time, and an optional screenshot.
//
//   node cdp-run.mjs CHROMIUM HTML_FILE STEPS_JSON [SCREENSHOT_PNG]
//
// STEPS_JSON is a JSON array of JavaScript expressions; each is evaluated in the page after load (a
// returned promise is awaited) and its value is reported. Needs a global WebSocket (Node 22, or
// Node 20 with --experimental-websocket). No npm packages. CDP_VIEWPORT=WIDTHxHEIGHT sets the
// viewport (default 1400x1000).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [chromiumPath, htmlFile, stepsFile, screenshot] = process.argv.slice(2);
if (!chromiumPath || !htmlFile || !stepsFile) {
  console.error('usage: node cdp-run.mjs CHROMIUM HTML_FILE STEPS_JSON [SCREENSHOT_PNG]');
  process.exit(2);
}
if (typeof WebSocket !== 'function') {
  console.error('cdp-run: no global WebSocket; run with Node 22 or node --experimental-websocket');
  process.exit(2);
}
const steps = JSON.parse(readFileSync(stepsFile, 'utf8'));
const [vw, vh] = (process.env.CDP_VIEWPORT || '1400x1000').split('x').map(Number);
const profile = mkdtempSync(join(tmpdir(), 'flowaudit-chromium-'));
const browser = spawn(chromiumPath, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
  '--disable-component-update', '--disable-sync', '--disable-extensions', '--no-default-browser-check',
  `--window-size=${vw},${vh}`, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
let browserErr = '';
browser.stderr.on('data', (d) => { browserErr += d; });

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
function cleanup() {
  try { browser.kill('SIGKILL'); } catch (e) { /* already gone */ }
  try { rmSync(profile, { recursive: true, force: true }); } catch (e) { /* best effort */ }
}
function fail(msg) {
  console.error(`cdp-run: ${msg}\n--- chromium stderr ---\n${browserErr.slice(-3000)}`);
  cleanup();
  process.exit(1);
}
const watchdog = setTimeout(() => fail('timed out after 180 s'), 180000);

async function devtoolsEndpoint() {
  const portFile = join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 600; i++) {
    if (existsSync(portFile)) {
      const lines = readFileSync(portFile, 'utf8').split('\n');
      if (lines.length >= 2 && lines[1]) { return `ws://127.0.0.1:${lines[0].trim()}${lines[1].trim()}`; }
    }
    if (browser.exitCode !== null) { fail(`chromium exited with ${browser.exitCode}`); }
    await sleep(100);
  }
  fail('chromium did not open its DevTools port');
}

const ws = new WebSocket(await devtoolsEndpoint());
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('websocket error')); });
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve: ok, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) { reject(new Error(`${msg.error.message} ${msg.error.data || ''}`)); } else { ok(msg.result); }
  } else if (msg.method) {
    for (const l of listeners) { l(msg); }
  }
};
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const payload = { id, method, params };
  if (sessionId) { payload.sessionId = sessionId; }
  ws.send(JSON.stringify(payload));
  return new Promise((res, rej) => pending.set(id, { resolve: res, reject: rej }));
}

const report = { console: [], exceptions: [], logEntries: [], dialogs: [], requests: [], values: [], loadMs: null };
const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
let loaded = null;
const loadPromise = new Promise((r) => { loaded = r; });
listeners.push((m) => {
  if (m.sessionId !== sessionId) { return; }
  const p = m.params || {};
  switch (m.method) {
    case 'Runtime.consoleAPICalled':
      report.console.push({ type: p.type, text: (p.args || []).map((a) => a.value ?? a.description ?? '').join(' ') });
      break;
    case 'Runtime.exceptionThrown':
      report.exceptions.push(p.exceptionDetails?.exception?.description || p.exceptionDetails?.text || 'exception');
      break;
    case 'Log.entryAdded':
      report.logEntries.push({ level: p.entry.level, source: p.entry.source, text: p.entry.text, url: p.entry.url || '' });
      break;
    case 'Page.javascriptDialogOpening':
      report.dialogs.push({ type: p.type, message: p.message });
      send('Page.handleJavaScriptDialog', { accept: false }, sessionId).catch(() => {});
      break;
    case 'Network.requestWillBeSent':
      report.requests.push(p.request.url);
      break;
    case 'Page.loadEventFired':
      loaded();
      break;
    default:
  }
});
for (const d of ['Runtime.enable', 'Log.enable', 'Page.enable', 'Network.enable']) { await send(d, {}, sessionId); }
await send('Emulation.setDeviceMetricsOverride', { width: vw, height: vh, deviceScaleFactor: 1, mobile: false }, sessionId);

const url = pathToFileURL(resolve(htmlFile)).href;
const t0 = Date.now();
await send('Page.navigate', { url }, sessionId);
await loadPromise;
report.loadMs = Date.now() - t0;
report.url = url;
// A page that builds its tables after its first paint marks <html data-state="loading"> until
// they are built: the steps run on the built page.
const ready = await send('Runtime.evaluate', {
  expression: "new Promise((r) => { const t0 = Date.now(); (function poll() { const s = document.documentElement.getAttribute('data-state'); if (s !== 'loading' || Date.now() - t0 > 120000) { r(s); } else { setTimeout(poll, 20); } })(); })",
  awaitPromise: true, returnByValue: true,
}, sessionId);
report.readyMs = Date.now() - t0;
report.state = ready.result ? ready.result.value : null;

for (const expr of steps) {
  const r = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true, userGesture: true }, sessionId);
  if (r.exceptionDetails) {
    report.values.push({ error: r.exceptionDetails.exception?.description || r.exceptionDetails.text });
  } else {
    report.values.push(r.result.value === undefined ? null : r.result.value);
  }
}
// Let late events (deferred errors, dialogs) arrive.
await sleep(300);
if (screenshot) {
  const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false }, sessionId);
  writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
}
clearTimeout(watchdog);
ws.close();
cleanup();
// Exit once the report is written: a pipe takes only part of a large report at once.
process.stdout.write(JSON.stringify(report), () => process.exit(0));
