/**
 * Terraform's AWS provider (hashicorp/aws 5.100, from a local filesystem mirror: the network beyond loopback stays
 * closed) against the server: apply a module with the IAM resources people manage, plan again and expect no
 * changes (what we answer on read must be what was applied), import resources back from the server, destroy, and
 * find the account empty. It fails, not skips, when terraform or the provider is missing.
 *
 * TERRAFORM names the binary (default: terraform on PATH); OPENSTS_TF_PLUGINS the mirror (default /opt/tf-plugins).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createUserWithKey, xmlText } from '../helpers/query.js';
import { accountOf, iam, ok } from '../helpers/iam.js';
import { makeTestIdp } from '../helpers/saml-idp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { Credentials } from '../../src/sigv4/index.js';

const TERRAFORM = process.env.TERRAFORM ?? 'terraform';
const PLUGINS = process.env.OPENSTS_TF_PLUGINS ?? '/opt/tf-plugins';
const PROVIDER = join(PLUGINS, 'registry.terraform.io/hashicorp/aws/5.100.0');

let s: TestServer;
let account: string;
let keys: Credentials;
let dir: string;
const timings: string[] = [];

/** The module: every resource type the test covers, referencing each other as real modules do. */
const MODULE = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" { type = string }
provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}
locals {
  ec2_trust = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
resource "aws_iam_user" "dev" {
  name = "tf-dev"
  path = "/tf/"
  tags = { team = "blue" }
}
resource "aws_iam_access_key" "dev" { user = aws_iam_user.dev.name }
resource "aws_iam_group" "devs" { name = "tf-devs" }
resource "aws_iam_group_membership" "devs" {
  name  = "tf-devs-members"
  group = aws_iam_group.devs.name
  users = [aws_iam_user.dev.name]
}
resource "aws_iam_policy" "read" {
  name        = "tf-read"
  path        = "/tf/"
  description = "reads"
  policy      = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["iam:Get*", "iam:List*"], Resource = "*" }] })
  tags        = { kind = "managed" }
}
resource "aws_iam_user_policy_attachment" "dev_read" {
  user       = aws_iam_user.dev.name
  policy_arn = aws_iam_policy.read.arn
}
resource "aws_iam_role" "app" {
  name                 = "tf-app"
  description          = "the app"
  max_session_duration = 7200
  assume_role_policy   = local.ec2_trust
  tags                 = { env = "test" }
}
resource "aws_iam_role_policy" "app_inline" {
  name   = "inline"
  role   = aws_iam_role.app.id
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bucket/*" }] })
}
resource "aws_iam_role_policy_attachment" "app_read" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.read.arn
}
resource "aws_iam_instance_profile" "app" {
  name = "tf-app-profile"
  path = "/tf/"
  role = aws_iam_role.app.name
  tags = { tier = "web" }
}
resource "aws_iam_openid_connect_provider" "ci" {
  url             = "https://token.ci.example.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
  tags            = { use = "ci" }
}
resource "aws_iam_saml_provider" "sso" {
  name                   = "tf-sso"
  saml_metadata_document = file("\${path.module}/saml-metadata.xml")
}
`;

/** Resources taken out of the state after apply and imported back by `import` blocks, by their import ids. */
const imports = () => ({
  'aws_iam_instance_profile.app': 'tf-app-profile',
  'aws_iam_role.app': 'tf-app',
  'aws_iam_role_policy.app_inline': 'tf-app:inline',
  'aws_iam_user.dev': 'tf-dev',
  'aws_iam_policy.read': `arn:aws:iam::${account}:policy/tf/tf-read`,
  'aws_iam_openid_connect_provider.ci': `arn:aws:iam::${account}:oidc-provider/token.ci.example.com`,
  'aws_iam_saml_provider.sso': `arn:aws:iam::${account}:saml-provider/tf-sso`,
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Runs terraform in the module's directory, asynchronously: the server answers from this same process. The
 * options go before any positional argument (terraform stops reading flags at the first).
 */
function terraform(command: string[], ...args: string[]): Promise<Run> {
  const started = Date.now();
  const options = command[0] === 'state' ? [] : ['-no-color', '-input=false'];
  return new Promise((resolve, reject) => {
    const child = spawn(TERRAFORM, [...command, ...options, ...args], {
      cwd: dir,
      // Nothing from the environment's AWS configuration, no update checks: only loopback traffic.
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        TF_CLI_CONFIG_FILE: join(dir, 'cli.tfrc'),
        TF_IN_AUTOMATION: '1',
        CHECKPOINT_DISABLE: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        TF_VAR_endpoint: s.url,
        TF_VAR_access_key: keys.accessKeyId,
        TF_VAR_secret_key: keys.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, seconds: Math.round((Date.now() - started) / 100) / 10 }),
    );
  });
}

const succeeded = (r: Run, what: string) =>
  assert.equal(r.code, 0, `terraform ${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);

before(async () => {
  const version = spawnSync(TERRAFORM, ['version'], { encoding: 'utf8' });
  assert.ok(
    !version.error && version.status === 0,
    `terraform is needed for this test and could not be run as "${TERRAFORM}" (set TERRAFORM to its path): ${version.error?.message ?? version.stderr}`,
  );
  assert.ok(
    existsSync(PROVIDER),
    `the hashicorp/aws 5.100.0 provider is needed in a filesystem mirror at ${PLUGINS} (set OPENSTS_TF_PLUGINS): ${PROVIDER} is missing`,
  );
  s = await startTestServer();
  account = accountOf(s);
  // Terraform works as an IAM user with an access key, as it would against AWS.
  keys = await createUserWithKey(s, 'terraform');
  await ok(
    iam(s, 'AttachUserPolicy', { UserName: 'terraform', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
  );
  dir = mkdtempSync(join(tmpdir(), 'opensts-terraform-'));
  writeFileSync(
    join(dir, 'cli.tfrc'),
    `provider_installation {\n  filesystem_mirror {\n    path    = "${PLUGINS}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  writeFileSync(join(dir, 'main.tf'), MODULE);
  writeFileSync(join(dir, 'saml-metadata.xml'), makeTestIdp('https://sso.example.com/saml').metadata());
});

after(async () => {
  // How long each step took, failed runs too: the provider's start-up dominates on a busy machine.
  if (timings.length) console.log(`terraform: ${timings.join(', ')}`);
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('terraform init, apply, plan (no changes), import, destroy', { timeout: 600_000 }, async () => {
  const init = await terraform(['init']);
  succeeded(init, 'init');
  timings.push(`init ${init.seconds}s`);

  const apply = await terraform(['apply'], '-auto-approve');
  succeeded(apply, 'apply');
  timings.push(`apply ${apply.seconds}s`);
  assert.match(apply.stdout, /Apply complete! Resources: 12 added, 0 changed, 0 destroyed\./);
  const profile = await ok(iam(s, 'GetInstanceProfile', { InstanceProfileName: 'tf-app-profile' }));
  assert.equal(xmlText(profile.body, 'RoleName'), 'tf-app');
  assert.equal(xmlText(profile.body, 'Path'), '/tf/');

  // What every read answers must be what was applied, or terraform plans a change.
  const plan = await terraform(['plan'], '-detailed-exitcode');
  timings.push(`plan ${plan.seconds}s`);
  assert.equal(plan.code, 0, `terraform plan found differences (exit ${plan.code}):\n${plan.stdout}\n${plan.stderr}`);
  assert.match(plan.stdout, /No changes\. Your infrastructure matches the configuration\./);

  // Import: forget resources, then read them back from the server by their import ids; nothing else may change.
  const forgotten = Object.keys(imports());
  succeeded(await terraform(['state', 'rm'], ...forgotten), 'state rm');
  writeFileSync(
    join(dir, 'imports.tf'),
    Object.entries(imports())
      .map(([to, id]) => `import {\n  to = ${to}\n  id = "${id}"\n}\n`)
      .join(''),
  );
  const imported = await terraform(['apply'], '-auto-approve');
  succeeded(imported, 'apply (import)');
  timings.push(`import ${imported.seconds}s`);
  assert.match(
    imported.stdout,
    new RegExp(`Apply complete! Resources: ${forgotten.length} imported, 0 added, 0 changed, 0 destroyed\\.`),
  );
  rmSync(join(dir, 'imports.tf'));

  const destroy = await terraform(['destroy'], '-auto-approve');
  succeeded(destroy, 'destroy');
  timings.push(`destroy ${destroy.seconds}s`);
  assert.match(destroy.stdout, /Destroy complete! Resources: 12 destroyed\./);

  // Nothing left but the user terraform signed in as.
  const names = async (action: string, tag: string, params: Record<string, string> = {}) =>
    [...(await ok(iam(s, action, params))).body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
  assert.deepEqual(await names('ListUsers', 'UserName'), ['terraform']);
  assert.deepEqual(await names('ListAccessKeys', 'AccessKeyId', { UserName: 'terraform' }), [keys.accessKeyId]);
  assert.deepEqual(await names('ListGroups', 'GroupName'), []);
  assert.deepEqual(await names('ListRoles', 'RoleName'), []);
  assert.deepEqual(await names('ListPolicies', 'PolicyName', { Scope: 'Local' }), []);
  assert.deepEqual(await names('ListInstanceProfiles', 'InstanceProfileName'), []);
  assert.deepEqual(await names('ListOpenIDConnectProviders', 'Arn'), []);
  assert.deepEqual(await names('ListSAMLProviders', 'Arn'), []);
});
