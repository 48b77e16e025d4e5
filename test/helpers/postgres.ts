/**
 * PostgreSQL for tests: each test gets a schema of its own in the test database, dropped afterwards, so tests are
 * isolated from each other and from earlier runs. The database comes from OPENSTS_TEST_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test, as in CI); set it to `none` to skip the PostgreSQL tests.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';

const configured = process.env.OPENSTS_TEST_DATABASE_URL;
export const TEST_DATABASE_URL =
  configured && configured !== 'none' ? configured : 'postgres://postgres@127.0.0.1:5432/test';
/** Why PostgreSQL tests are skipped, or false when they run. */
export const skipPostgres: string | false = configured === 'none' ? 'OPENSTS_TEST_DATABASE_URL=none' : false;

/** A new, empty schema's name and the store URL that selects it. */
export function newSchema(): { schema: string; url: string } {
  const schema = `opensts_t_${randomBytes(6).toString('hex')}`;
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('schema', schema);
  return { schema, url: u.toString() };
}

/** Runs SQL as the test database's owner (outside any store). */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const dropSchema = (schema: string) =>
  admin((c) => c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`));

/** Opens migrated stores on schemas of their own and drops those schemas in `cleanup()`. */
export class TestSchemas {
  private readonly schemas = new Set<string>();

  /** A schema that cleanup() drops. */
  create(): { schema: string; url: string } {
    const s = newSchema();
    this.schemas.add(s.schema);
    return s;
  }

  async open(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
    const { url } = options.url ? { url: options.url } : this.create();
    const store = await PostgresStore.open({ ...options, url });
    await store.migrate();
    return store;
  }

  async cleanup(): Promise<void> {
    for (const s of this.schemas) await dropSchema(s);
    this.schemas.clear();
  }
}
