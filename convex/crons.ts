/**
 * The component's cron jobs: maintenance the deployment runs by itself,
 * on its own clock, with no client connected. Each entry is self-contained
 * (its schedule and the internal function it runs); a job does nothing
 * unless it has work (expired records, a stored retention policy).
 */
import { cronJobs, makeFunctionReference } from "convex/server";

const crons: ReturnType<typeof cronJobs> = cronJobs();

// Operation records (`kit/operations.ts`) expire after 24 hours: one sweep an
// hour deletes the expired ones in bounded batches (no function is scheduled per write).
crons.interval(
  "expire operation records",
  { hours: 1 },
  makeFunctionReference<"mutation", Record<string, never>>("system/operations:sweep"),
  {},
);

// Retention (`lifecycle/retention.ts`): hourly, runs the standing policy when one is set.
crons.interval(
  "mastra retention",
  { hours: 1 },
  makeFunctionReference<"mutation", Record<string, never>>("lifecycle/retention:tick"),
  {},
);

export default crons;
