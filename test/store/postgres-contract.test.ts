/**
 * The Store contract (test/store/contract/) against PostgreSQL: each test on a schema of its own, and for the tests
 * of two handles, two stores (two nodes: own pool, own listening connection) on one new schema. A write answers once
 * the other nodes know of it, so catching up is nothing to do.
 */
import { after, describe } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';
import { storeContracts } from './contract/index.js';

describe('PostgreSQL store contract', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  after(() => schemas.cleanup());
  storeContracts({
    name: 'PostgreSQL',
    open: () => schemas.open(),
    async openPair() {
      const { url } = schemas.create();
      const a = await PostgresStore.open({ url, poolSize: 4 });
      await a.migrate();
      const b = await PostgresStore.open({ url, poolSize: 4 });
      await b.migrate();
      return [a, b];
    },
    catchUp() {},
    concurrentHandles: true,
    // Each test migrates a schema of its own: most of its time is spent waiting on PostgreSQL.
    concurrency: 4,
  });
});
