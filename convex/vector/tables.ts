/**
 * Tables of the vector domain: the registry of Mastra indexes and one table
 * of vectors per supported width, each with a Convex vector index filtered
 * on the Mastra index name and on the push-down slots (see `validators.ts`).
 */
import { defineTable } from "convex/server";
import { vectorIndexValidator, vectorRowFields } from "./validators.js";

function vectorTable<W extends number>(width: W) {
  return defineTable(vectorRowFields)
    .index("by_index_id", ["index", "id"])
    .index("by_f0", ["f0", "id"])
    .index("by_f1", ["f1", "id"])
    .index("by_f2", ["f2", "id"])
    .vectorIndex("by_vector", { vectorField: "vector", dimensions: width, filterFields: ["index", "f0", "f1", "f2"] });
}

/** Vector-domain tables, to be spread into a schema (one `vectors_<width>` per entry of `VECTOR_WIDTHS`). */
export const vectorTables = {
  vector_indexes: defineTable(vectorIndexValidator).index("by_name", ["name"]),
  vectors_128: vectorTable(128),
  vectors_256: vectorTable(256),
  vectors_384: vectorTable(384),
  vectors_512: vectorTable(512),
  vectors_768: vectorTable(768),
  vectors_1024: vectorTable(1024),
  vectors_1536: vectorTable(1536),
  vectors_2048: vectorTable(2048),
  vectors_3072: vectorTable(3072),
  vectors_4096: vectorTable(4096),
};
