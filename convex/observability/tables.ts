/**
 * Tables of Mastra's observability domain, one spread per room: tracing (spans and one row per trace,
 * `tracing/tracingTables.ts`), the tracing delta streams (`streams/streamTables.ts`), the other signals and their
 * rollups (`signals/signalTables.ts`) and the trace-query dictionary (`tracing/traceDictionaryTables.ts`).
 */
import { tracingTables } from "./tracing/tracingTables.js";
import { streamTables } from "./streams/streamTables.js";
import { signalTables } from "./signals/signalTables.js";
import { traceDictionaryTables } from "./tracing/traceDictionaryTables.js";

/** Observability tables, to be spread into a schema. */
export const observabilityTables = {
  ...tracingTables,
  ...streamTables,
  ...signalTables,
  ...traceDictionaryTables,
};
