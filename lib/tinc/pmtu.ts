/**
 * Path MTU discovery toward one node, with tincd 1.0.36's schedule (send_mtu_probe /
 * mtu_probe_h in src/net_packet.c). Driven by `now` (ms); it never sends anything itself: it
 * calls `sink.sendProbe(len)` for each probe of `len` frame bytes, and the packet path turns
 * that into an encrypted UDP datagram (14 zero bytes + random bytes).
 *
 * `probes` (tincd's mtuprobes): 1..30 discovery bursts every second; 31 sleep PingInterval;
 * 32 one burst (with a maxmtu+8 probe) then sleep PingTimeout; 33 = no answer → restart.
 *
 * API: `new PmtuState(initialMtu)`; `start(now, ctx)` (valid ANS_KEY arrived), `due(now)`,
 * `tick(now, ctx)` (when due), `onReply(len)` (a probe came back with byte 0 = 1; `len` as
 * tincd's origlen), `onEmsgsize(frameLen)` (sendUdp failed with EMSGSIZE), `reset()`
 * (reachability changed), `event` (what the last tick did, for logs).
 *
 * @module
 */

/** tincd's MTU: largest frame carried (1500 + 14 + 4 VLAN). */
export const MTU = 1518;
/** Smallest probe frame. */
export const MIN_PROBE = 64;

export const PMTU_NONE = 0;
export const PMTU_FIXED = 1; // "Fixing MTU of X to N after K probes"
export const PMTU_NO_RESPONSE = 2; // "No response to MTU probes from X"
export const PMTU_RESTART = 3; // "X did not respond to UDP ping, restarting PMTU discovery"
export const PMTU_STOPPED = 4; // node unreachable or without key: probing stops
export const PMTU_INCREASE = 5; // reply to the maxmtu+8 probe: "Increase in PMTU ... detected"

export interface ProbeContext {
  /** The node is reachable and we hold its key (validkey). */
  readonly usable: boolean;
  /** Seconds. */
  readonly pingInterval: number;
  readonly pingTimeout: number;
  /** Uniform in [0, 1): probe lengths. */
  random(): number;
  sendProbe(len: number): void;
}

export class PmtuState {
  /** Frame bytes we may send by UDP (route.c's via->mtu). */
  mtu: number;
  /** Largest length confirmed by a reply; 0 = nothing confirmed (all data then goes by TCP). */
  minmtu = 0;
  maxmtu = MTU;
  probes = 0;
  /** When the probe timer fires (ms); -1 = not armed. */
  timer = -1;
  /** What the last start/tick/onReply did (PMTU_*). */
  event = PMTU_NONE;

  constructor(initialMtu = MTU) {
    this.mtu = initialMtu;
  }

  /** Reachability change (graph.c): forget discovery, cancel the timer. */
  reset(): void {
    this.maxmtu = MTU;
    this.minmtu = 0;
    this.probes = 0;
    this.timer = -1;
  }

  due(now: number): boolean {
    return this.timer >= 0 && now >= this.timer;
  }

  /** send_mtu_probe(): cancels a pending timer and runs the handler now. */
  start(now: number, ctx: ProbeContext): void {
    this.timer = -1;
    this.tick(now, ctx);
  }

  /** The timer handler. */
  tick(now: number, ctx: ProbeContext): void {
    this.event = PMTU_NONE;
    this.probes++;
    this.timer = -1;
    if (!ctx.usable) {
      this.probes = 0;
      this.event = PMTU_STOPPED;
      return;
    }
    let timeout = 1;
    if (this.probes > 32) {
      if (!this.minmtu) {
        this.probes = 31;
        this.timer = now + ctx.pingInterval * 1000;
        return;
      }
      this.event = PMTU_RESTART;
      this.probes = 1;
      this.minmtu = 0;
      this.maxmtu = MTU;
    }
    if (this.probes >= 10 && this.probes < 32 && !this.minmtu) {
      this.event = PMTU_NO_RESPONSE;
      this.probes = 31;
    }
    if (this.probes === 30 || (this.probes < 30 && this.minmtu >= this.maxmtu)) {
      if (this.minmtu > this.maxmtu) this.minmtu = this.maxmtu;
      else this.maxmtu = this.minmtu;
      this.mtu = this.minmtu;
      this.event = PMTU_FIXED;
      this.fixedAfter = this.probes;
      this.probes = 31;
    }
    if (this.probes === 31) {
      this.timer = now + ctx.pingInterval * 1000;
      return;
    } else if (this.probes === 32) {
      timeout = ctx.pingTimeout;
    }
    for (let i = 0; i < 4; i++) {
      let len: number;
      if (i === 0) {
        if (this.probes < 30 || this.maxmtu + 8 >= MTU) continue;
        len = this.maxmtu + 8;
      } else if (this.maxmtu <= this.minmtu) {
        len = this.maxmtu;
      } else {
        len = this.minmtu + 1 + Math.floor(ctx.random() * (this.maxmtu - this.minmtu));
      }
      if (len < MIN_PROBE) len = MIN_PROBE;
      ctx.sendProbe(len);
    }
    this.timer = now + timeout * 1000;
  }

  /** Probe count when the MTU was last fixed (for the log line). */
  fixedAfter = 0;

  /** A reply (byte 0 = 1) of `len` bytes came back. */
  onReply(len: number): void {
    this.event = PMTU_NONE;
    if (this.probes > 30) {
      if (len === this.maxmtu + 8) {
        this.event = PMTU_INCREASE;
        this.maxmtu = MTU;
        this.probes = 10;
        return;
      }
      this.probes = this.minmtu ? 30 : 1;
    }
    if (len > this.maxmtu) len = this.maxmtu;
    if (this.minmtu < len) this.minmtu = len;
  }

  /** sendto() failed with EMSGSIZE for a frame of `frameLen` bytes. */
  onEmsgsize(frameLen: number): void {
    if (this.maxmtu >= frameLen) this.maxmtu = frameLen - 1;
    if (this.mtu >= frameLen) this.mtu = frameLen - 1;
  }
}
