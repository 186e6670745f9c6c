/**
 * check_id (src/protocol.c): node names are [A-Za-z0-9_]+.
 *
 * @module
 */

const NAME = /^[A-Za-z0-9_]+$/;

/** Whether `name` is a valid tinc node name. */
export function checkId(name: string): boolean {
  return NAME.test(name);
}
