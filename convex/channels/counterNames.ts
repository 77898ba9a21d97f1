/** Names of the channels domain's counters (all under the `channels:` prefix). */
export const channelCounters = {
  /** Next insertion sequence number of installations. */
  installationSeq: "channels:seq",
} as const;
