/** An in-memory storage area with the WebExtension API's shape: what a unit test cannot get from a browser. */
import type { Storage } from "webextension-polyfill";

export function fakeStorageArea(initial: Record<string, unknown> = {}): Storage.StorageArea & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = structuredClone(initial);
  return {
    data,
    async get(keys?: null | string | string[] | Record<string, unknown>) {
      if (keys === null || keys === undefined) return structuredClone(data);
      const list = typeof keys === "string" ? [keys] : Array.isArray(keys) ? keys : Object.keys(keys);
      return Object.fromEntries(list.filter((k) => k in data).map((k) => [k, structuredClone(data[k])]));
    },
    async set(items: Record<string, unknown>) {
      Object.assign(data, structuredClone(items));
    },
    async remove(keys: string | string[]) {
      for (const k of typeof keys === "string" ? [keys] : keys) delete data[k];
    },
    async clear() {
      for (const k of Object.keys(data)) delete data[k];
    },
  } as Storage.StorageArea & { data: Record<string, unknown> };
}
