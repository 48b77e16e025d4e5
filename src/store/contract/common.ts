/** What several entity stores share: tags, pages, list options, and the method lists the contract tests check. */

export interface Tag {
  Key: string;
  Value: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it back as `marker`. */
  marker?: string;
}

export interface ListOptions {
  pathPrefix?: string;
  marker?: string;
  maxItems: number;
}

type Unlisted<T, N extends readonly PropertyKey[]> = Exclude<keyof T, N[number]>;

/**
 * The method names of an entity store interface, listed next to it. tsc refuses a list that leaves one out
 * (`unlisted: 'theMethod'`) or names one the interface does not have; the contract tests check that their suites
 * call every listed method, so a method added without a contract test fails the build or the tests.
 */
export function methodNames<T>() {
  return <const N extends readonly (keyof T & string)[]>(
    names: N & ([Unlisted<T, N>] extends [never] ? unknown : { unlisted: Unlisted<T, N> }),
  ): readonly (keyof T & string)[] => names;
}
