/**
 * Sustained throughput: completions per second between the 10th and the 90th percentile completion, so the ramp-up
 * (the first transfers need the whole pipeline's latency) and the tail (the last few finish alone) do not count.
 */
export function steadyRate(transfers: readonly { timeline: readonly { at: string; state: string }[] }[]): number {
  const done = transfers
    .map((t) => t.timeline.find((e) => e.state === 'completed')?.at)
    .filter((at): at is string => at !== undefined)
    .map((at) => Date.parse(at))
    .sort((a, b) => a - b);
  if (done.length < 10) return Number.NaN;
  const first = Math.floor(done.length * 0.1);
  const last = Math.ceil(done.length * 0.9) - 1;
  return (last - first) / Math.max(0.001, (done[last]! - done[first]!) / 1000);
}
