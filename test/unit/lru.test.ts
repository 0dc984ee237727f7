import { LruCache } from "../../src/lru";

describe("LruCache: a cache that stays bounded and keeps what is in use", () => {
  test("past its capacity it forgets the least recently used key, and only that one", () => {
    const cache = new LruCache<string, number>(3);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1); // a is now the most recently used; b the least
    cache.set("d", 4);
    expect(cache.size).toBe(3);
    expect(cache.has("b")).toBe(false);
    expect([cache.get("a"), cache.get("c"), cache.get("d")]).toEqual([1, 3, 4]);
  });

  test("setting a key it holds replaces the value, refreshes the key and forgets nothing", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 10);
    expect(cache.size).toBe(2);
    cache.set("c", 3);
    expect(cache.has("b")).toBe(false);
    expect(cache.get("a")).toBe(10);
  });

  test("has() does not refresh a key; a miss changes nothing", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.has("a")).toBe(true);
    expect(cache.get("missing")).toBeUndefined();
    cache.set("c", 3);
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(true);
  });

  test("a capacity of one holds the last key; clear empties it", () => {
    const cache = new LruCache<number, string>(1);
    cache.set(1, "one");
    cache.set(2, "two");
    expect([cache.has(1), cache.get(2), cache.size]).toEqual([false, "two", 1]);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get(2)).toBeUndefined();
  });

  test.each([0, -1, 0.5, Number.NaN])("a capacity of %p is refused with the number in the message", (capacity) => {
    expect(() => new LruCache(capacity)).toThrow(`cache capacity must be at least 1, got ${capacity}`);
  });
});
