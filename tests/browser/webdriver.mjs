// A small W3C WebDriver client over HTTP, for the engines Playwright cannot drive with
// Debian's own builds: Firefox ESR through geckodriver and WebKitGTK through
// WebKitWebDriver. Only the commands the cross-engine tests and benchmark need.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Each engine's name in reports, how it runs, its driver on Debian and its session
 *  capabilities (which name the browser binary). */
export const ENGINES = {
  firefox: {
    label: 'Firefox ESR',
    display: 'headless',
    driver: () => [findGeckodriver(), (port) => ['--port', String(port)]],
    capabilities: {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] },
    },
  },
  webkit: {
    label: 'WebKitGTK',
    // MiniBrowser is a GTK program: it needs a display, so the driver runs inside Xvfb.
    display: 'MiniBrowser under Xvfb',
    driver: () => ['xvfb-run', (port) => ['-a', '/usr/bin/WebKitWebDriver', `--port=${port}`]],
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
        args: ['--automation'],
      },
    },
  },
};

/** geckodriver from PATH or from `cargo install` (scripts/setup.sh installs it there). */
function findGeckodriver() {
  const cargo = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin/geckodriver');
  return existsSync(cargo) ? cargo : 'geckodriver';
}

/** A free TCP port on localhost. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** The session's script timeout (ms): long enough for a whole benchmark in one call. */
export const SCRIPT_TIMEOUT_MS = 300000;

/** A WebDriver error with the command that failed and the driver's message. */
export class WebDriverError extends Error {}

/** Starts `engine`'s driver and one browser session; call `quit()` when done. */
export async function openSession(engineName) {
  const engine = ENGINES[engineName];
  if (!engine) throw new WebDriverError(`unknown engine ${engineName}; known: ${Object.keys(ENGINES).join(', ')}`);
  const port = await freePort();
  const [program, args] = engine.driver();
  const driver = spawn(program, args(port), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let driverLog = '';
  driver.stderr.on('data', (chunk) => { driverLog = (driverLog + chunk).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  const stopDriver = () => { try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already gone */ } };
  try {
    await waitForDriver(base, driver, () => driverLog);
    const created = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: engine.capabilities } });
    const session = new Session(`${base}/session/${created.sessionId}`, created.capabilities, stopDriver);
    await session.setTimeouts({ script: SCRIPT_TIMEOUT_MS, pageLoad: 120000 });
    return session;
  } catch (error) {
    stopDriver();
    throw new WebDriverError(`${engine.label}: could not start a session: ${error.message}\n${driverLog}`);
  }
}

async function waitForDriver(base, driver, log) {
  for (let i = 0; i < 300; i++) {
    if (driver.exitCode !== null) throw new WebDriverError(`driver exited with ${driver.exitCode}: ${log()}`);
    try {
      const status = await command(base, 'GET', '/status');
      if (status.ready !== false) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new WebDriverError(`driver not ready after 30 s: ${log()}`);
}

async function command(url, method, path, body) {
  const response = await fetch(url + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const { value } = await response.json();
  if (!response.ok || value?.error) {
    throw new WebDriverError(`${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? ''}`);
  }
  return value;
}

/** The W3C key for a web element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** One browser session. */
export class Session {
  constructor(url, capabilities, stopDriver) {
    this.url = url;
    this.capabilities = capabilities;
    this.stopDriver = stopDriver;
  }

  send(method, path, body) { return command(this.url, method, path, body); }

  setTimeouts(timeouts) { return this.send('POST', '/timeouts', timeouts); }

  /** Loads `url` and waits for the load event. */
  navigate(url) { return this.send('POST', '/url', { url }); }

  /** Reloads the page. */
  refresh() { return this.send('POST', '/refresh', {}); }

  /** Runs `fn(...args)` in the page and returns its (awaited) result; `fn` must be
   *  self-contained, as it is sent as source text. */
  evaluate(fn, ...args) {
    return this.send('POST', '/execute/sync', {
      script: `return (${fn.toString()})(...arguments);`,
      args,
    });
  }

  /** Polls `fn(...args)` in the page until it returns a truthy value. */
  async waitFor(fn, args = [], { timeout = 60000, what = fn.toString() } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, ...args);
      if (value) return value;
      if (Date.now() > deadline) throw new WebDriverError(`timed out after ${timeout} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A web element reference returned by `fn(...args)` run in the page (shadow DOM included). */
  async element(fn, ...args) {
    const value = await this.evaluate(fn, ...args);
    if (!value?.[ELEMENT]) throw new WebDriverError(`no element from ${fn.toString()}`);
    return value[ELEMENT];
  }

  /** Types `text` into an element, as key presses. */
  sendKeys(element, text) { return this.send('POST', `/element/${element}/value`, { text }); }

  /** Clicks an element. */
  click(element) { return this.send('POST', `/element/${element}/click`, {}); }

  /** Ends the session and stops its driver. */
  async quit() {
    try { await this.send('DELETE', ''); } finally { this.stopDriver(); }
  }
}
