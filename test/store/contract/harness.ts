/**
 * How the contract suites run: each suite covers one part of the Store (src/store/contract/), against any backend,
 * through a proxy that records which Store methods its tests call; the suite's last test checks that it called
 * every method of its part, so a method added to an interface without a contract test fails.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { STORE_METHODS, STORE_PARTS, type Store, type StorePart } from '../../../src/store/store.js';

export interface Backend {
  name: string;
  /** A new, migrated, empty store. */
  open(): Promise<Store>;
  /** Two handles on one new, migrated, empty database: two nodes, or two processes on one SQLite file. */
  openPair(): Promise<[Store, Store]>;
  /**
   * Lets `s` notice what other handles wrote, where it learns of that by polling (SQLite's data_version); a no-op
   * where a write answers only once the other handles know of it (PostgreSQL's change feed).
   */
  catchUp(s: Store): void;
  /**
   * Whether two handles in this process can write at once. SQLite's cannot: a handle waiting for the write lock
   * blocks the event loop the holder needs to finish (processes on one file wait for each other instead).
   */
  concurrentHandles: boolean;
  /** How many tests of a suite run at once (each has a database of its own). */
  concurrency: number;
}

export interface ContractTest {
  /** A test on a new store (closed afterwards unless the test closed it). */
  test(title: string, fn: (s: Store) => Promise<void>, options?: { todo?: string }): void;
  /** A test on two handles of one new database. */
  pair(title: string, fn: (a: Store, b: Store) => Promise<void>, options?: { todo?: string }): void;
  backend: Backend;
  /** Runs the operations at once where the backend's handles can race, else one after the other. */
  race<T>(...operations: (() => Promise<T>)[]): Promise<T[]>;
}

const storeMethods = new Set<string>(STORE_METHODS);

/** The suites that ran, per backend: every part of the Store must have one (see checkEveryPartHasASuite). */
const suites = new Map<string, Set<StorePart>>();

/** `store`, recording in `called` the Store methods called through it (an absent optional one when it is looked up). */
export function recording(store: Store, called: Set<string>): { store: Store; closed: () => boolean } {
  let closed = false;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof prop !== 'string' || !storeMethods.has(prop)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      if (typeof value !== 'function') {
        called.add(prop);
        return value;
      }
      return (...args: unknown[]) => {
        called.add(prop);
        if (prop === 'close') closed = true;
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, closed: () => closed };
}

export function contractSuite(part: StorePart, backend: Backend, body: (t: ContractTest) => void): void {
  const ran = suites.get(backend.name) ?? suites.set(backend.name, new Set()).get(backend.name)!;
  ran.add(part);
  describe(`${part} contract: ${backend.name}`, () => {
    const called = new Set<string>();
    const run = async (stores: Store[], fn: (...s: Store[]) => Promise<void>) => {
      const handles = stores.map((s) => recording(s, called));
      try {
        await fn(...handles.map((h) => h.store));
      } finally {
        for (const h of handles) if (!h.closed()) await h.store.close();
      }
    };
    describe('cases', { concurrency: backend.concurrency }, () =>
      body({
        backend,
        race: async (...operations) => {
          if (backend.concurrentHandles) return Promise.all(operations.map((op) => op()));
          const results = [];
          for (const op of operations) results.push(await op());
          return results;
        },
        test: (title, fn, options = {}) => test(title, options, async () => run([await backend.open()], (s) => fn(s!))),
        pair: (title, fn, options = {}) =>
          test(title, options, async () => run(await backend.openPair(), (a, b) => fn(a!, b!))),
      }),
    );
    // After the cases: the outer suite runs its children one at a time.
    test(`calls every ${part} method`, () => {
      const missing = STORE_PARTS[part].filter((m) => !called.has(m));
      assert.deepEqual(missing, [], `${part} methods no contract test calls`);
    });
  });
}

/** The last test of a backend's run: a part of the Store without a suite fails it. */
export function checkEveryPartHasASuite(backend: Backend): void {
  test(`every part of the Store has a contract suite: ${backend.name}`, () => {
    assert.deepEqual([...(suites.get(backend.name) ?? [])].sort(), Object.keys(STORE_PARTS).sort());
  });
}
