/**
 * The browser tests' page: `app/src/main.tsx` (the README's `Chat` under a
 * `ConvexReactClient`) bundled with esbuild for the browser, served on
 * 127.0.0.1 beside the Convex test server. `@mastra/convex/react` and
 * `@mastra/convex/app` resolve to this repository's sources, as the
 * package's entry points would.
 */
import * as esbuild from "esbuild";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = new URL("../../", import.meta.url);
const ENTRY_POINTS: Record<string, string> = {
  "@mastra/convex/react": "src/react/mod.ts",
  "@mastra/convex/app": "src/app/mod.ts",
};

/** Bundles the page's script (ESM, minified React production build). */
export async function bundlePage(): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [fromFileUrl(new URL("app/src/main.tsx", import.meta.url))],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      jsx: "automatic",
      minify: true,
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
      plugins: [{
        name: "mastra-convex-entry-points",
        setup(build) {
          build.onResolve({ filter: /^@mastra\/convex\/(react|app)$/ }, (args) => ({
            path: fromFileUrl(new URL(ENTRY_POINTS[args.path], ROOT)),
          }));
        },
      }],
    });
    return result.outputFiles[0].text;
  } finally {
    await esbuild.stop();
  }
}

/** A running page server. */
export type PageServer = AsyncDisposable & { url: string; close(): Promise<void> };

/** Serves `index.html` (with `#root`) and the bundle at `/main.js`. */
export function servePage(bundle: string): PageServer {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Live UI</title>
<style>body{font:15px system-ui,sans-serif;margin:24px;max-width:640px}.message{margin:4px 0;padding:6px 10px;border-radius:8px;background:#f1f1f4}
.message.assistant{background:#e6f0ff}.approval{background:#fff4d6;padding:8px;border:1px solid #e0b84a}.error{color:#b00020;font-weight:bold}
.working{color:#666;font-style:italic}</style></head>
<body><div id="root"></div><script type="module" src="/main.js"></script></body></html>`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/main.js") {
      return new Response(bundle, { headers: { "content-type": "text/javascript; charset=utf-8" } });
    }
    if (pathname === "/") return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
    return new Response("not found", { status: 404 });
  });
  const page: PageServer = {
    url: `http://127.0.0.1:${server.addr.port}/`,
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => page.close(),
  };
  return page;
}
