/**
 * Mastra Studio over our store, for the browser tests: Studio's build from
 * the `mastra` npm package (`dist/studio`) and Mastra's HTTP API, served by
 * the deployer's own Hono server (`createHonoServer` of
 * `@mastra/deployer/server`, what `mastra dev` and `mastra start` run),
 * with a `ConvexStorage` on the in-process Convex backend, on 127.0.0.1 and
 * a free port.
 *
 * The deployer serves `index.html` with its `%%MASTRA_*%%` placeholders
 * filled from the Mastra instance's `server` options (host, port, API
 * prefix, base path) and finds the build through `MASTRA_STUDIO_PATH`,
 * which is set here to the `mastra` package's `dist/studio`.
 */
import { Mastra } from "@mastra/core/mastra";
import { createHonoServer } from "@mastra/deployer/server";
import { fileURLToPath } from "node:url";
import type { ConvexStorage } from "../../src/storage.ts";
import { type Backend, createTestStorage } from "./backend.ts";

/** Studio's build shipped in the `mastra` npm package. */
export const STUDIO_DIR: string = fileURLToPath(new URL("../../node_modules/mastra/dist/studio/", import.meta.url));

/** A running Studio: its URL, the Mastra instance and store behind it, and how to stop it. */
export type StudioServer = {
  /** `http://127.0.0.1:<port>` (Studio at `/`, the API at `/api`). */
  url: string;
  mastra: Mastra;
  storage: ConvexStorage;
  backend: Backend;
  /** Stops the HTTP server. */
  close(): Promise<void>;
};

/** Options of {@link startStudio}. */
export type StudioOptions = {
  /** Extra Mastra configuration (agents, workflows, scorers, ...); `storage` and `server` are set here. */
  // deno-lint-ignore no-explicit-any
  config?: Record<string, any>;
  /** The store to serve (a fresh in-process one by default). */
  store?: { storage: ConvexStorage; backend: Backend };
};

const encoder = new TextEncoder();

/**
 * The response with a body of bytes: Studio's event streams write string
 * chunks, which Node's HTTP server (the deployer's) accepts and Deno's does not.
 */
function bytesBody(response: Response): Response {
  if (!response.body) return response;
  const body = response.body.pipeThrough(
    new TransformStream<unknown, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk as Uint8Array);
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Starts Studio and Mastra's API over a `ConvexStorage` on 127.0.0.1 and a free port. */
export async function startStudio(options: StudioOptions = {}): Promise<StudioServer> {
  Deno.env.set("MASTRA_STUDIO_PATH", STUDIO_DIR);
  Deno.env.set("MASTRA_TELEMETRY_DISABLED", "1");
  const { storage, backend } = options.store ?? createTestStorage();
  // Listen first (port 0 picks a free port); the app is bound once the port is known.
  let handler: (request: Request) => Response | Promise<Response> = () => new Response("starting", { status: 503 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => handler(request));
  const port = server.addr.port;
  const mastra = new Mastra({
    ...(options.config ?? {}),
    storage,
    server: { host: "127.0.0.1", port, ...(options.config?.server ?? {}) },
  });
  await storage.init();
  const app = await createHonoServer(mastra, { tools: {}, studio: true });
  handler = async (request) => bytesBody(await app.fetch(request));
  return {
    url: `http://127.0.0.1:${port}`,
    mastra,
    storage,
    backend,
    close: async () => {
      await server.shutdown();
    },
  };
}
