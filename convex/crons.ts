/**
 * The component's cron jobs. Each entry is self-contained (its schedule and
 * the internal function it runs); a job does nothing unless its feature is
 * configured.
 */
import { cronJobs, makeFunctionReference } from "convex/server";

const crons: ReturnType<typeof cronJobs> = cronJobs();

// Retention (`lifecycle/retention.ts`): hourly, runs the standing policy when one is set.
crons.interval(
  "mastra retention",
  { hours: 1 },
  makeFunctionReference<"mutation", Record<string, never>>("lifecycle/retention:tick"),
  {},
);

export default crons;
