/**
 * Linux x86_64/aarch64 (glibc) constants the FFI layer needs, each named as in the C headers
 * it comes from. Only what tincture uses.
 *
 * @module
 */

// <fcntl.h> / <asm-generic/fcntl.h>
export const O_RDWR = 0o2;
export const O_WRONLY = 0o1;
export const O_CREAT = 0o100;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const F_GETFL = 3;
export const F_SETFL = 4;

// <linux/if_tun.h>
/** _IOW('T', 202, int) */
export const TUNSETIFF = 0x400454ca;
/** TUNGETIFF = _IOR('T', 210, unsigned int): the attached device's flags in ifr_flags. */
export const TUNGETIFF = 0x800454d2;
export const IFF_PERSIST = 0x0800;
export const IFF_TUN = 0x0001;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;
/** struct ifreq is 40 bytes; ifr_name is the first IFNAMSIZ bytes, ifr_flags a short after it. */
export const IFNAMSIZ = 16;
export const SIZEOF_IFREQ = 40;

// <asm-generic/errno-base.h>, <asm-generic/errno.h>
export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const EPIPE = 32;
export const EMSGSIZE = 90;
export const EADDRINUSE = 98;
export const ENETUNREACH = 101;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTUNREACH = 113;
export const EINPROGRESS = 115;

// <sys/socket.h>, <bits/socket_type.h>
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const SHUT_RDWR = 2;

// <netinet/in.h>
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IP_TOS = 1;
export const IP_MTU_DISCOVER = 10;
/** Set DF and honour the path MTU: sends larger than it fail with EMSGSIZE. */
export const IP_PMTUDISC_DO = 2;
export const IPV6_MTU_DISCOVER = 23;
export const IPV6_V6ONLY = 26;
export const IPV6_PMTUDISC_DO = 2;
export const TCP_NODELAY = 1;
// <linux/udp.h>
export const SOL_UDP = 17;
/** cmsg: the datagram is a train of segments of this size (UDP GSO, Linux >= 4.18). */
export const UDP_SEGMENT = 103;
/** sockopt/cmsg: receive coalesced trains of same-size datagrams (UDP GRO, Linux >= 5.0). */
export const UDP_GRO = 104;
/** Sends append to one pending datagram until uncorked (udp(7)). */
export const UDP_CORK = 1;

export const SIZEOF_SOCKADDR_IN = 16;
export const SIZEOF_SOCKADDR_IN6 = 28;
/** Big enough for any address we decode (sockaddr_storage is 128). */
export const SIZEOF_SOCKADDR_STORAGE = 128;

// <poll.h>
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const SIZEOF_POLLFD = 8;

// <sys/eventfd.h>
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

// <signal.h>
export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGUSR1 = 10;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGTERM = 15;

// <syslog.h>: priorities (low 3 bits) and facilities (<< 3)
export const LOG_EMERG = 0;
export const LOG_ALERT = 1;
export const LOG_CRIT = 2;
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_NOTICE = 5;
export const LOG_INFO = 6;
export const LOG_DEBUG = 7;
export const LOG_PID = 0x01;
export const LOG_NDELAY = 0x08;
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0 << 3,
  user: 1 << 3,
  mail: 2 << 3,
  daemon: 3 << 3,
  auth: 4 << 3,
  syslog: 5 << 3,
  lpr: 6 << 3,
  news: 7 << 3,
  uucp: 8 << 3,
  cron: 9 << 3,
  authpriv: 10 << 3,
  local0: 16 << 3,
  local1: 17 << 3,
  local2: 18 << 3,
  local3: 19 << 3,
  local4: 20 << 3,
  local5: 21 << 3,
  local6: 22 << 3,
  local7: 23 << 3,
};
