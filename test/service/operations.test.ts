/**
 * Operation declarations carry their whole contract (service/operation.ts): the registry refuses at load what the
 * models contradict, the compiler refuses what the generated shapes contradict, and the generated shapes are what
 * scripts/generate-shapes.mjs writes from models/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { models } from '../../src/protocol/model.js';
import { findOperation } from '../../src/server/operations.js';
import { operation, type Operation } from '../../src/service/operation.js';
import { OperationDeclarationError, operationTable } from '../../src/service/operation-registry.js';

const getCallerIdentity = operation({
  service: 'sts',
  name: 'GetCallerIdentity',
  permission: 'none',
  sessions: ['session', 'role', 'federated'],
  handle: ({ caller }) => ({ Arn: caller.accessKeyId }),
});

describe('the operation registry refuses at load', () => {
  test('a declaration it can check: signed read from the model', () => {
    const table = operationTable([getCallerIdentity]);
    assert.equal(table.get('sts:GetCallerIdentity')?.signed, true);
  });

  test('a duplicate service:name', () => {
    assert.throws(
      () => operationTable([getCallerIdentity, { ...getCallerIdentity }]),
      new OperationDeclarationError('Operation sts:GetCallerIdentity: declared twice'),
    );
  });

  test('a name the model lacks, or one of the other service', () => {
    const misspelt = { ...getCallerIdentity, name: 'GetCallerIdentiy' } as Operation;
    assert.throws(
      () => operationTable([misspelt]),
      new OperationDeclarationError('Operation sts:GetCallerIdentiy: the sts model has no operation of that name'),
    );
    const elsewhere = { ...getCallerIdentity, service: 'iam' } as Operation;
    assert.throws(() => operationTable([elsewhere]), /Operation iam:GetCallerIdentity: the iam model has no operation/);
    assert.throws(() => operationTable([{ ...getCallerIdentity, name: 'toString' } as Operation]), /no operation/);
  });

  test('an unsigned operation whose permission needs a caller', () => {
    const unsigned = {
      service: 'sts',
      name: 'AssumeRoleWithWebIdentity',
      permission: () => ['sts:AssumeRoleWithWebIdentity', '*'],
      handle: () => ({}),
    } as Operation;
    assert.throws(
      () => operationTable([unsigned]),
      new OperationDeclarationError(
        "Operation sts:AssumeRoleWithWebIdentity: the model has it unsigned (authtype none), but its permission needs a caller: use 'in-handler' or 'none'",
      ),
    );
    assert.equal(
      operationTable([{ ...unsigned, permission: 'in-handler' }]).get(`sts:${unsigned.name}`)?.signed,
      false,
    );
  });

  test('a declaration without a permission', () => {
    const open = { service: 'sts', name: 'GetCallerIdentity', handle: () => ({}) } as unknown as Operation;
    assert.throws(() => operationTable([open]), /GetCallerIdentity: declares no permission/);
    assert.throws(() => operationTable([{ ...open, permission: 'nobody' } as unknown as Operation]), /no permission/);
  });
  test('a signed STS operation without the sessions it admits; sessions where they mean nothing', () => {
    const { sessions: _, ...undeclared } = getCallerIdentity as Operation;
    assert.throws(
      () => operationTable([undeclared as Operation]),
      new OperationDeclarationError(
        'Operation sts:GetCallerIdentity: is a signed STS operation: declare the sessions that may call it (`sessions`, [] for none)',
      ),
    );
    const iamOp = {
      service: 'iam',
      name: 'GetUser',
      permission: 'none',
      sessions: [],
      handle: () => ({}),
    } as Operation;
    assert.throws(() => operationTable([iamOp]), /iam:GetUser: declares sessions: only signed STS operations do/);
  });
});

describe("the server's operations", () => {
  test('load, with signed as the model has it', () => {
    for (const name of ['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']) {
      assert.equal(findOperation('sts', name)?.signed, false, name);
    }
    for (const name of ['GetCallerIdentity', 'AssumeRole', 'GetSessionToken', 'GetWebIdentityToken']) {
      assert.equal(findOperation('sts', name)?.signed, true, name);
    }
    assert.equal(findOperation('sts', 'GetCallerIdentity')?.permission, 'none');
    assert.equal(typeof findOperation('iam', 'CreateUser')?.permission, 'function');
    assert.equal(findOperation('iam', 'AttachGroupPolicy')?.name, 'AttachGroupPolicy');
    assert.equal(findOperation('iam', 'TagSAMLProvider')?.name, 'TagSAMLProvider');
    assert.equal(findOperation('sts', 'CreateUser'), undefined);
  });

  test('include every declaration that sts/ and iam-api/ export', async () => {
    let count = 0;
    for (const folder of ['sts', 'iam-api']) {
      const dir = new URL(`../../src/${folder}/`, import.meta.url);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
        const module = await import(new URL(file, dir).href);
        for (const op of Object.values(module).flat() as Operation[]) {
          if (typeof op !== 'object' || op === null || !('handle' in op)) continue;
          assert.equal(findOperation(op.service, op.name)?.handle, op.handle, `${file}: ${op.name}`);
          count++;
        }
      }
    }
    assert.ok(count > 100, `${count} declarations`);
  });
});

describe('the compiler holds declarations to the model', () => {
  test('misspelt names and members, a missing permission, a caller in an unsigned handler do not compile', () => {
    // Each @ts-expect-error fails the build if its line ever compiles.
    const declarations = [
      // @ts-expect-error: no such operation in the STS model.
      operation({ service: 'sts', name: 'GetCallerIdentiy', permission: 'none', handle: () => ({}) }),
      operation({
        service: 'sts',
        name: 'GetAccessKeyInfo',
        permission: 'none',
        // @ts-expect-error: the input member is AccessKeyId.
        handle: ({ input }) => ({ Account: input.AccessKeyID }),
      }),
      operation({
        service: 'sts',
        name: 'GetAccessKeyInfo',
        permission: 'none',
        // @ts-expect-error: the output member is Account.
        handle: () => ({ Acount: '123456789012' }),
      }),
      // @ts-expect-error: permission is required.
      operation({ service: 'iam', name: 'ListUsers', handle: () => ({ Users: [] }) }),
      operation({
        service: 'sts',
        name: 'AssumeRoleWithWebIdentity',
        permission: 'in-handler',
        // @ts-expect-error: an unsigned operation has no caller.
        handle: ({ caller }) => ({ SubjectFromWebIdentityToken: caller.principal.accountId }),
      }),
      operation({
        service: 'iam',
        name: 'ListUsers',
        permission: 'none',
        // @ts-expect-error: Users is required in the output.
        handle: () => ({ IsTruncated: false }),
      }),
    ];
    assert.equal(declarations.length, 6);
  });
});

describe('the generated shapes', () => {
  test('are what scripts/generate-shapes.mjs writes from models/', async () => {
    const script = new URL('../../../scripts/generate-shapes.mjs', import.meta.url).href;
    const { generateShapes, outputPath, SERVICES } = await import(script);
    for (const service of Object.keys(SERVICES)) {
      const committed = readFileSync(outputPath(service), 'utf8');
      assert.equal(generateShapes(service, models()[service as 'sts' | 'iam']), committed, service);
    }
  });
});
