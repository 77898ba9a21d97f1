/**
 * Headless Chromium for the browser tests (`tests/browser/`), driven with
 * `puppeteer-core` (no browser download: Debian's `chromium` package, or
 * `CHROMIUM_PATH`). {@link skipReason} says in one line why the tests must
 * skip when no browser is installed; {@link launchChromium} starts one and
 * {@link watchPage} collects what a page got wrong (failed responses,
 * console errors, uncaught exceptions) and saves screenshots.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR: string = new URL("../../.screenshots/", import.meta.url).pathname;

/** The Chromium binary: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, else `null`. */
export function chromiumPath(): string | null {
  const candidates = [Deno.env.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return null;
}

/** One line saying why browser tests skip here, or `null` when Chromium is available. */
export const skipReason: string | null = chromiumPath() === null
  ? "Chromium not found (set CHROMIUM_PATH or `apt-get install -y chromium`): browser tests skipped"
  : null;

/** Starts headless Chromium (`--no-sandbox`, as CI containers run as root). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(skipReason ?? "Chromium not found");
  return await puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,900"],
    defaultViewport: { width: 1400, height: 900 },
  });
}

/** What went wrong on a page while it was watched. */
export type PageProblems = {
  /** Responses with status >= 400 (`METHOD status url`) and requests that failed outright. */
  failedRequests: string[];
  /** `console.error` messages and uncaught exceptions. */
  consoleErrors: string[];
};

/** Starts collecting a page's failed requests and console errors (see {@link PageProblems}). */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { failedRequests: [], consoleErrors: [] };
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.failedRequests.push(`${response.request().method()} ${response.status()} ${response.url()}`);
    }
  });
  page.on("requestfailed", (request) => {
    const reason = request.failure()?.errorText ?? "failed";
    // A navigation away aborts the previous page's pending polls: not a failure of the server.
    if (reason !== "net::ERR_ABORTED") problems.failedRequests.push(`${request.method()} ${reason} ${request.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => {
    problems.consoleErrors.push(`uncaught: ${error instanceof Error ? error.message : String(error)}`);
  });
  return problems;
}

/** Saves a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path: path as `${string}.png`, fullPage: true });
  return path;
}

/** Waits until `text` appears in the page's body (or throws after `timeoutMs`). */
export async function waitForText(page: Page, text: string, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(
    // Runs in the page, where `document` exists.
    // deno-lint-ignore no-explicit-any
    (wanted: string) => (globalThis as any).document?.body?.innerText.includes(wanted),
    { timeout: timeoutMs },
    text,
  );
}
