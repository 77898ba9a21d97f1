/**
 * Mastra's channels domain on Convex: channel installations (Slack,
 * Discord, ...) and one configuration per platform.
 *
 * Installations and configs are stored exactly as given (encoded by the
 * codec, so dates come back as `Date`s), secrets included. Errors name the
 * operation, ids and platform, never a value of `data` (tokens): input
 * checks describe a bad value by its type only.
 */
import type { ChannelConfig, ChannelInstallation } from "../coreTypes.ts";
import { ChannelsStorage } from "@mastra/core/storage";
import type { InstallationPage } from "../../convex/channels/validators.ts";
import { STATUS_RANKS } from "../../convex/channels/validators.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { type ErrorDetails, InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { requireId, requireKey } from "../kit/validate.ts";

/** `"a string"`, `"an array"`, ...: a value's kind, never the value itself. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function requireObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${name} must be an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A lookup key: any string of at most 1 KiB (its value is never echoed when it is not a string). */
function requireLookup(value: unknown, name: string): string {
  if (typeof value !== "string") throw new InvalidInputError(`${name} must be a string, got ${kindOf(value)}`);
  return requireKey(value, name);
}

function idOf(value: unknown, field: string): string | null {
  const id = (value as Record<string, unknown> | null | undefined)?.[field];
  return typeof id === "string" ? id.slice(0, 200) : null;
}

const STATUSES = Object.keys(STATUS_RANKS);

/** Channel installations and platform configs stored in Convex. */
export class ConvexChannelsStorage extends ChannelsStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Deletes every installation and config. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["channel_installations", "channel_configs"], ["channels:"]);
  }

  /** Inserts or replaces an installation by id (a replaced one keeps its place in list order). */
  override saveInstallation(installation: ChannelInstallation): Promise<void> {
    const details: ErrorDetails = {
      installationId: idOf(installation, "id"),
      platform: idOf(installation, "platform"),
      agentId: idOf(installation, "agentId"),
    };
    return withErrorContext({ operation: "saveInstallation", details }, async () => {
      const record = requireObject(installation, "installation");
      const id = requireId(record.id, "installation.id");
      const platform = requireLookup(record.platform, "installation.platform");
      const agentId = requireLookup(record.agentId, "installation.agentId");
      const status = record.status;
      if (typeof status !== "string" || !STATUSES.includes(status)) {
        throw new InvalidInputError(
          `installation.status must be one of ${STATUSES.map((s) => `"${s}"`).join(", ")}, got ${
            typeof status === "string" ? `another string (${status.length} characters)` : kindOf(status)
          }`,
        );
      }
      const webhookId = record.webhookId === undefined
        ? undefined
        : requireLookup(record.webhookId, "installation.webhookId");
      requireObject(record.data, "installation.data");
      await this.#ctx.transport.mutation("channels/installations:save", {
        id,
        platform,
        agentId,
        status,
        ...(webhookId !== undefined ? { webhookId } : {}),
        record: encodeValue({ ...record }),
      }, { operation: "saveInstallation", details, idempotent: true });
    });
  }

  /** Reads an installation by id, or `null`. */
  override getInstallation(id: string): Promise<ChannelInstallation | null> {
    const details = { installationId: typeof id === "string" ? id.slice(0, 200) : null };
    return withErrorContext({ operation: "getInstallation", details }, async () => {
      const record = await this.#ctx.transport.query<string | null>("channels/installations:get", {
        id: requireLookup(id, "id"),
      }, { operation: "getInstallation", details });
      return record === null ? null : decodeValue(record) as ChannelInstallation;
    });
  }

  /** The platform's installation for an agent: an active one first, then pending, then error; or `null`. */
  override getInstallationByAgent(platform: string, agentId: string): Promise<ChannelInstallation | null> {
    const details = {
      platform: typeof platform === "string" ? platform.slice(0, 200) : null,
      agentId: typeof agentId === "string" ? agentId.slice(0, 200) : null,
    };
    return withErrorContext({ operation: "getInstallationByAgent", details }, async () => {
      const record = await this.#ctx.transport.query<string | null>("channels/installations:getByAgent", {
        platform: requireLookup(platform, "platform"),
        agentId: requireLookup(agentId, "agentId"),
      }, { operation: "getInstallationByAgent", details });
      return record === null ? null : decodeValue(record) as ChannelInstallation;
    });
  }

  /** The installation an inbound webhook is routed to, or `null`. */
  override getInstallationByWebhookId(webhookId: string): Promise<ChannelInstallation | null> {
    return withErrorContext({ operation: "getInstallationByWebhookId" }, async () => {
      const record = await this.#ctx.transport.query<string | null>("channels/installations:getByWebhookId", {
        webhookId: requireLookup(webhookId, "webhookId"),
      }, { operation: "getInstallationByWebhookId" });
      return record === null ? null : decodeValue(record) as ChannelInstallation;
    });
  }

  /** Every installation of a platform, in insertion order (read in bounded pages). */
  override listInstallations(platform: string): Promise<ChannelInstallation[]> {
    const details = { platform: typeof platform === "string" ? platform.slice(0, 200) : null };
    return withErrorContext({ operation: "listInstallations", details }, async () => {
      const key = requireLookup(platform, "platform");
      const out: ChannelInstallation[] = [];
      let after: number | undefined;
      for (;;) {
        const page: InstallationPage = await this.#ctx.transport.query("channels/installations:list", {
          platform: key,
          ...(after !== undefined ? { after } : {}),
        }, { operation: "listInstallations", details });
        for (const record of page.records) out.push(decodeValue(record) as ChannelInstallation);
        if (page.next === null) return out;
        after = page.next;
      }
    });
  }

  /** Deletes an installation (nothing happens when there is none). */
  override deleteInstallation(id: string): Promise<void> {
    const details = { installationId: typeof id === "string" ? id.slice(0, 200) : null };
    return withErrorContext({ operation: "deleteInstallation", details }, async () => {
      await this.#ctx.transport.mutation("channels/installations:remove", { id: requireLookup(id, "id") }, {
        operation: "deleteInstallation",
        details,
        idempotent: true,
      });
    });
  }

  /** Inserts or replaces the configuration of a platform. */
  override saveConfig(config: ChannelConfig): Promise<void> {
    const details = { platform: idOf(config, "platform") };
    return withErrorContext({ operation: "saveConfig", details }, async () => {
      const record = requireObject(config, "config");
      const platform = requireLookup(record.platform, "config.platform");
      requireObject(record.data, "config.data");
      await this.#ctx.transport.mutation("channels/configs:save", {
        platform,
        record: encodeValue({ ...record }),
      }, { operation: "saveConfig", details, idempotent: true });
    });
  }

  /** Reads the configuration of a platform, or `null`. */
  override getConfig(platform: string): Promise<ChannelConfig | null> {
    const details = { platform: typeof platform === "string" ? platform.slice(0, 200) : null };
    return withErrorContext({ operation: "getConfig", details }, async () => {
      const record = await this.#ctx.transport.query<string | null>("channels/configs:get", {
        platform: requireLookup(platform, "platform"),
      }, { operation: "getConfig", details });
      return record === null ? null : decodeValue(record) as ChannelConfig;
    });
  }

  /** Deletes the configuration of a platform (nothing happens when there is none). */
  override deleteConfig(platform: string): Promise<void> {
    const details = { platform: typeof platform === "string" ? platform.slice(0, 200) : null };
    return withErrorContext({ operation: "deleteConfig", details }, async () => {
      await this.#ctx.transport.mutation("channels/configs:remove", { platform: requireLookup(platform, "platform") }, {
        operation: "deleteConfig",
        details,
        idempotent: true,
      });
    });
  }
}
