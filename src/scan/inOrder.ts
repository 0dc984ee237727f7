/**
 * Runs work over a list with at most `concurrency` items in flight, and hands each result on in
 * input order as soon as every earlier one is done: a slow host holds back the output behind it
 * (for at most its timeout), never the scanning.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  emit: (result: R, index: number) => void,
): Promise<void> {
  const finished = new Map<number, R>();
  let started = 0;
  let emitted = 0;
  const lane = async () => {
    while (started < items.length) {
      const index = started++;
      finished.set(index, await work(items[index], index));
      while (finished.has(emitted)) {
        const result = finished.get(emitted)!;
        finished.delete(emitted);
        emit(result, emitted++);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, lane));
}
