/**
 * The `default` of an exhaustive `switch` over a discriminated union (the kinds of session, of principal): it
 * compiles only while every member has its case, so adding a member makes the compiler name every switch that must
 * learn it. Reached at run time only through a cast or a value from outside the types; the message never quotes the
 * value, which may hold a secret.
 */
export function unreachable(_value: never, what: string): never {
  throw new Error(`unreachable: a ${what} that no case handles`);
}
