/** Tables of the blobs domain (named apart from the kit's large-value `blobs`). */
import { defineTable } from "convex/server";
import { contentBlobValidator } from "./validators.js";

/** Blobs-domain tables, to be spread into a schema. */
export const contentBlobTables = {
  content_blobs: defineTable(contentBlobValidator).index("by_hash", ["hash"]),
};
