/** The transport-neutral view of an HTTP request that both the signer and the verifier canonicalise. */
export interface HttpRequestLike {
  method: string;
  /** The request target exactly as received: path plus optional `?query`, still percent-encoded. */
  url: string;
  /** Raw header pairs in arrival order (node's req.rawHeaders folded into pairs); names in any case; a name may repeat. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
