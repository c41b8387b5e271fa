// Headless Debian Chromium for the browser tests (the conformance page and
// the playground), launched one way: playwright-core with the machine's
// /usr/bin/chromium (never a downloaded browser) and the flags this
// offline machine needs (no background networking, no component updates).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A persistent context on a fresh profile; `cleanup()` removes the profile after `context.close()`. */
export async function launchChromium(options = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), "vexil-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  return { context, cleanup: () => rmSync(userDataDir, { recursive: true, force: true }) };
}
