/** Compiles the package's catalogue off the main thread (aws-managed-catalogue-compile.ts) when no precompiled one fits. */
import { parentPort, workerData } from 'node:worker_threads';
import { compileCatalogue } from './aws-managed-catalogue-compile.js';

parentPort!.postMessage(compileCatalogue(workerData as string));
