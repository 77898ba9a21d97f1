/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by
 * `puppeteer-core` (no browser download). When it is missing, the tests
 * skip with the one-line reason {@link chromiumSkipReason} gives.
 */
import puppeteer, { type Browser } from "puppeteer-core";

/** Where the browser is looked for (`CHROMIUM_PATH` overrides). */
export const CHROMIUM_PATH: string = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or `undefined` when they can. */
export function chromiumSkipReason(): string | undefined {
  try {
    Deno.statSync(CHROMIUM_PATH);
    return undefined;
  } catch {
    return `skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

/** Launches headless Chromium (close it with `browser.close()`). */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}
