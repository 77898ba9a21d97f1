/**
 * Docker Compose steps of the local Convex: is Docker there, start/stop the
 * services, wait for the backend's health, generate an admin key.
 * @module
 */
import $ from "dax";

/** Whether Docker can run our compose file, and if not why. */
export type DockerStatus =
  | { ok: true }
  | { ok: false; reason: "missing" | "no-compose" | "no-daemon"; detail: string };

/** Checks for the `docker` CLI, its `compose` plugin and a running daemon. */
export async function checkDocker(): Promise<DockerStatus> {
  if (!(await $.which("docker"))) {
    return { ok: false, reason: "missing", detail: "no `docker` command on PATH" };
  }
  const compose = await $`docker compose version`.noThrow().quiet().captureCombined();
  if (compose.code !== 0) {
    return { ok: false, reason: "no-compose", detail: compose.combined.trim() || "`docker compose` failed" };
  }
  const daemon = await $`docker info`.noThrow().quiet().captureCombined();
  if (daemon.code !== 0) {
    return { ok: false, reason: "no-daemon", detail: daemon.combined.trim().split("\n").slice(-3).join(" ") };
  }
  return { ok: true };
}

/**
 * Polls `url` (the backend's `/version`) until it answers 2xx or
 * `timeoutMs` passes. Returns whether it became healthy.
 */
export async function waitForHealthy(
  url: string,
  timeoutMs: number,
  intervalMs = 1000,
  onWait?: (elapsedMs: number) => void,
): Promise<boolean> {
  const start = Date.now();
  let lastReport = start;
  while (true) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(250, Math.min(5000, timeoutMs))) });
      await response.body?.cancel();
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    const now = Date.now();
    if (now - start >= timeoutMs) return false;
    if (onWait && now - lastReport >= 10_000) {
      lastReport = now;
      onWait(now - start);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, timeoutMs - (now - start)))));
  }
}

/**
 * Picks the admin key out of `generate_admin_key.sh`'s output, which prints
 * a label line and then the key (`<instance>|<hex>`).
 */
export function parseAdminKey(output: string): string | undefined {
  const lines = output.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  return lines.findLast((line) => /^[^\s|]+\|[0-9a-zA-Z]+$/.test(line));
}
