/** Credentials printed by a credential_process command. */
import { runCredentialProcess } from '../credential-process.js';
import { readProfile, selectProfileName } from '../profile.js';
import { type Env, type SharedConfigFiles, loadSharedConfig } from '../shared-config.js';
import type { CredentialProvider } from '../sts-client.js';
import { CredentialsProviderError, checkNotExpired } from './errors.js';
import { memoize } from './memoize.js';

export interface FromProcessOptions {
  /** The command to run; default the profile's credential_process. */
  readonly command?: string;
  readonly profile?: string;
  readonly env?: Env;
  readonly files?: SharedConfigFiles;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Runs a credential_process command (Version 1 JSON on stdout). */
export function fromProcess(options: FromProcessOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      let command = options.command;
      let fallbackAccountId: string | undefined;
      let name = 'credential_process';
      if (command === undefined) {
        const files = options.files ?? loadSharedConfig({ env });
        const profile = readProfile(options.profile ?? selectProfileName({ env }), files);
        command = profile.credentialProcess;
        fallbackAccountId = profile.settings.aws_account_id as string | undefined;
        name = `credential_process of profile ${profile.name}`;
        if (!command)
          throw new CredentialsProviderError(`The profile "${profile.name}" has no credential_process`, true);
      }
      const credentials = await runCredentialProcess(command, {
        env: env as NodeJS.ProcessEnv,
        timeoutMs: options.timeoutMs,
        fallbackAccountId,
      });
      return checkNotExpired(credentials, name, options.now ?? Date.now);
    },
    { now: options.now },
  );
}
