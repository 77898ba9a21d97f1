/**
 * Path helpers for the tasks, from Node's `node:path`/`node:url` (no JSR
 * dependency needed).
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export { basename, dirname, isAbsolute, join, relative, resolve };

/** `file:` URL (or string) to a path. */
export function fromFileUrl(url: string | URL): string {
  return fileURLToPath(url);
}

/** Path to a `file:` URL. */
export function toFileUrl(path: string): URL {
  return pathToFileURL(path);
}
