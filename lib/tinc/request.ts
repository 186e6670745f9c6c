/**
 * tinc 1.0 protocol 17 request numbers (src/protocol.h request_t) and their names as tincd
 * logs them.
 *
 * @module
 */

/** Request numbers as they appear as the first field of a meta line. */
export enum Request {
  ID = 0,
  METAKEY = 1,
  CHALLENGE = 2,
  CHAL_REPLY = 3,
  ACK = 4,
  STATUS = 5,
  ERROR = 6,
  TERMREQ = 7,
  PING = 8,
  PONG = 9,
  ADD_SUBNET = 10,
  DEL_SUBNET = 11,
  ADD_EDGE = 12,
  DEL_EDGE = 13,
  KEY_CHANGED = 14,
  REQ_KEY = 15,
  ANS_KEY = 16,
  PACKET = 17,
}

/** One past the last request number. */
export const LAST_REQUEST = 18;

/** Internal allow_request state meaning "everything": never sent on the wire. */
export const ALL = -1;

export const REQUEST_NAMES: readonly string[] = [
  "ID",
  "METAKEY",
  "CHALLENGE",
  "CHAL_REPLY",
  "ACK",
  "STATUS",
  "ERROR",
  "TERMREQ",
  "PING",
  "PONG",
  "ADD_SUBNET",
  "DEL_SUBNET",
  "ADD_EDGE",
  "DEL_EDGE",
  "KEY_CHANGED",
  "REQ_KEY",
  "ANS_KEY",
  "PACKET",
];

/** Requests 1.0.36 has no handler for: receiving one drops the connection. */
export function hasHandler(request: number): boolean {
  return request >= 0 && request < LAST_REQUEST && request !== Request.STATUS &&
    request !== Request.ERROR && request !== Request.TERMREQ;
}

/** The request's name, or "UNKNOWN" for numbers outside 0..17. */
export function requestName(request: number): string {
  return REQUEST_NAMES[request] ?? "UNKNOWN";
}
