/**
 * Samples from the trackers to the durable delivery, and the popup's pause
 * switch. A group of samples is answered once they are durable: the tracker
 * resends what is not answered. Samples taken during a pause are answered
 * but never stored.
 */
import { onMessage, type Sample, SampleGroup } from "../../protocol/messages";
import { pausedAt, setCapturePaused } from "../state/capture-pause";
import { removeOnAbort } from "./listeners";

export interface SampleStore {
  /** Resolves once the sample is durable. */
  addSample(sample: Sample): Promise<void>;
}

export function acceptSamples(store: () => Promise<SampleStore>, signal: AbortSignal): void {
  removeOnAbort(
    signal,
    onMessage("capture.samples", async ({ data, sender }) => {
      const samples = SampleGroup.safeParse(data);
      if (!samples.success || !sender.tab) return;
      const paused = await pausedAt();
      const outbox = await store();
      for (const sample of samples.data) if (!paused(sample.t)) await outbox.addSample(sample);
    }),
    onMessage("popup.pause", ({ data }) => setCapturePaused(data === true)),
  );
}
