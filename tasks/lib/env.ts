/**
 * `.env`-style files: read, merged with the process environment, and
 * written back without losing lines the user added.
 * @module
 */
import { join } from "./std_path.ts";

/** Parses `KEY=value` lines (`#` comments, optional `export `, single or double quotes). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replaceAll("\\n", "\n").replaceAll('\\"', '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    out[match[1]] = value;
  }
  return out;
}

/** Reads a dotenv file; a missing file is empty. */
export function readDotenv(path: string): Record<string, string> {
  try {
    return parseDotenv(Deno.readTextFileSync(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

function quoteValue(value: string): string {
  return /^[A-Za-z0-9_./:@|+=,-]*$/.test(value) ? value : JSON.stringify(value);
}

/**
 * Sets `values` in the dotenv file at `path`: existing keys are replaced in
 * place, new ones appended, every other line kept.
 */
export function updateDotenv(path: string, values: Record<string, string>, header?: string): void {
  let lines: string[] = [];
  try {
    lines = Deno.readTextFileSync(path).split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    if (header) lines = header.split("\n").map((line) => `# ${line}`);
  }
  const pending = new Map(Object.entries(values));
  lines = lines.map((line) => {
    const key = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line.trim())?.[1];
    if (key && pending.has(key)) {
      const value = pending.get(key)!;
      pending.delete(key);
      return `${key}=${quoteValue(value)}`;
    }
    return line;
  });
  for (const [key, value] of pending) lines.push(`${key}=${quoteValue(value)}`);
  Deno.writeTextFileSync(path, lines.join("\n") + "\n");
}

/** The settings a task sees: `.env`, then `.env.local`, then the process environment (last wins). */
export function loadSettings(root: string): Record<string, string> {
  const settings: Record<string, string> = {
    ...readDotenv(join(root, ".env")),
    ...readDotenv(join(root, ".env.local")),
  };
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (value !== "") settings[key] = value;
  }
  return settings;
}

/** Splits a command line from a setting (`npx convex`) into program and arguments. */
export function splitCommand(command: string): string[] {
  return command.trim().split(/\s+/).filter((part) => part !== "");
}
