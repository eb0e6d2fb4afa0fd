// SPDX-License-Identifier: Apache-2.0
// Raw Ethernet frames on one interface for the L2 speaker (an AF_PACKET socket), with the answer fast
// path: a reader thread answers ARP who-has and NS for the addresses it was given, while its lease runs,
// without waking JavaScript. Every other frame, and a note of each answer, is queued for JavaScript,
// whose respond() makes every other decision. reply() below is respond()'s reply case, byte for byte
// (packetlink.test.ts checks the two against each other on arbitrary frames).
//   open(ifname, notify) -> link      notify() runs on the JS thread when take() has something
//   answer(link, mac, v4, v6)         the addresses to answer: mac 6 bytes, v4 n*4 bytes, v6 n*16 bytes
//   renew(link, ms)                   answer for the next ms milliseconds, then stop until renewed
//   send(link, frame)
//   take(link) -> [kind, bytes][]     kind 0: a frame; 1: answered (the address); 2: closed (the reason)
//   close(link)
//   reply(mac, v4, v6, frame) -> Buffer | null   the fast path's decision alone, for tests
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)
#define MAX_FRAME 65536
// Frames waiting for JavaScript beyond this are dropped (a stalled speaker must not grow without bound).
#define MAX_QUEUED 4096

enum { KIND_FRAME = 0, KIND_ANSWERED = 1, KIND_CLOSED = 2 };

typedef struct item {
  struct item *next;
  int kind;
  size_t len;
  uint8_t data[];
} item;

// What the fast path answers for; replaced whole under the link's mutex.
typedef struct {
  uint8_t mac[6];
  size_t n4, n6;
  uint8_t *v4, *v6;
} table;

typedef struct {
  int fd, wake;
  pthread_t thread;
  int running;
  pthread_mutex_t mu;
  table t;
  _Atomic int64_t lease_until_ns;
  item *head, *tail;
  size_t queued;
  int notified;
  napi_threadsafe_function notify;
  int closed;
} link_t;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// ---- the fast path (pure) --------------------------------------------------------------------------

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int has(const uint8_t *list, size_t n, size_t width, const uint8_t *ip) {
  for (size_t i = 0; i < n; i++) if (memcmp(list + i * width, ip, width) == 0) return 1;
  return 0;
}

static const uint8_t BROADCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// Ones' complement sum of the ICMPv6 pseudo-header and body, folded.
static uint32_t icmp6_sum(const uint8_t *src, const uint8_t *dst, const uint8_t *body, size_t len) {
  uint32_t s = 0;
  for (int i = 0; i < 16; i += 2) s += be16(src + i) + be16(dst + i);
  s += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + 58;
  size_t i = 0;
  for (; i + 1 < len; i += 2) s += be16(body + i);
  if (i < len) s += (uint32_t)body[i] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  return s;
}

// ARP who-has for one of ours: the reply (60 bytes), as arpReplyFrame builds it.
static size_t arp_reply(const table *t, const uint8_t *f, size_t n, uint8_t *out) {
  if (n < 42) return 0;
  const uint8_t *a = f + 14;
  if (be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || be16(a + 6) != 1) return 0;
  if (memcmp(f + 6, t->mac, 6) == 0) return 0;
  // A sender using one of our addresses is a conflict: JavaScript's to judge.
  if (memcmp(a + 8, t->mac, 6) != 0 && has(t->v4, t->n4, 4, a + 14)) return 0;
  if (memcmp(f, BROADCAST, 6) != 0 && memcmp(f, t->mac, 6) != 0) return 0;
  if (!has(t->v4, t->n4, 4, a + 24)) return 0;
  memset(out, 0, 60);
  memcpy(out, a + 8, 6);
  memcpy(out + 6, t->mac, 6);
  out[12] = 0x08, out[13] = 0x06;
  uint8_t *r = out + 14;
  r[1] = 1, r[2] = 0x08, r[4] = 6, r[5] = 4, r[7] = 2;
  memcpy(r + 8, t->mac, 6);
  memcpy(r + 14, a + 24, 4);
  memcpy(r + 18, a + 8, 6);
  memcpy(r + 24, a + 14, 4);
  return 60;
}

// Options well formed (RFC 4861 §4.6); the first source link-layer address, if any, into *lla.
static int nd_options(const uint8_t *o, size_t n, const uint8_t **lla) {
  *lla = NULL;
  for (size_t off = 0; off < n;) {
    if (off + 2 > n) return 0;
    size_t len = (size_t)o[off + 1] * 8;
    if (len == 0 || off + len > n) return 0;
    if (o[off] == 1 && len == 8 && !*lla) *lla = o + off + 2;
    off += len;
  }
  return 1;
}

// NS for one of ours: the solicited NA (86 bytes), as solicitedNaFrame builds it.
static size_t ns_reply(const table *t, const uint8_t *f, size_t n, uint8_t *out) {
  if (n < 54) return 0;
  const uint8_t *ip = f + 14;
  if (ip[0] >> 4 != 6) return 0;
  size_t plen = be16(ip + 4);
  if (n < 54 + plen || ip[6] != 58 || plen < 24) return 0;
  const uint8_t *icmp = ip + 40;
  if (icmp[0] != 135 || ip[7] != 255 || icmp[1] != 0) return 0;
  if (icmp6_sum(ip + 8, ip + 24, icmp, plen) != 0xffff) return 0;
  const uint8_t *target = icmp + 8;
  if (target[0] == 0xff) return 0;
  const uint8_t *lla;
  if (!nd_options(icmp + 24, plen - 24, &lla)) return 0;
  if (memcmp(f + 6, t->mac, 6) == 0) return 0;
  if (memcmp(f, t->mac, 6) != 0 && !(f[0] & 1)) return 0;
  if (!has(t->v6, t->n6, 16, target)) return 0;
  static const uint8_t unspecified[16] = {0};
  static const uint8_t all_nodes[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
  int dad = memcmp(ip + 8, unspecified, 16) == 0;
  const uint8_t *dst = dad ? all_nodes : ip + 8;
  memset(out, 0, 86);
  memcpy(out, dad ? all_nodes_mac : lla ? lla : f + 6, 6);
  memcpy(out + 6, t->mac, 6);
  out[12] = 0x86, out[13] = 0xdd;
  uint8_t *h = out + 14;
  h[0] = 0x60, h[5] = 32, h[6] = 58, h[7] = 255;
  memcpy(h + 8, target, 16);
  memcpy(h + 24, dst, 16);
  uint8_t *na = h + 40;
  na[0] = 136;
  na[4] = (uint8_t)((dad ? 0 : 0x40) | 0x20);
  memcpy(na + 8, target, 16);
  na[24] = 2, na[25] = 1;
  memcpy(na + 26, t->mac, 6);
  uint16_t sum = (uint16_t)~icmp6_sum(target, dst, na, 32);
  na[2] = (uint8_t)(sum >> 8), na[3] = (uint8_t)sum;
  return 86;
}

// The reply to an untagged frame the fast path answers, or 0 (then JavaScript decides). *ip: the address.
static size_t reply(const table *t, const uint8_t *f, size_t n, uint8_t *out, const uint8_t **ip, size_t *iplen) {
  if (n < 14) return 0;
  uint16_t type = be16(f + 12);
  size_t r = 0;
  if (type == 0x0806 && (r = arp_reply(t, f, n, out))) *ip = f + 14 + 24, *iplen = 4;
  else if (type == 0x86dd && (r = ns_reply(t, f, n, out))) *ip = f + 14 + 40 + 8, *iplen = 16;
  return r;
}

// ---- the socket and its reader thread ----------------------------------------------------------------

static void enqueue(link_t *l, int kind, const uint8_t *data, size_t len) {
  pthread_mutex_lock(&l->mu);
  if (kind == KIND_FRAME && l->queued >= MAX_QUEUED) {
    pthread_mutex_unlock(&l->mu);
    return;
  }
  item *it = malloc(sizeof(item) + len);
  if (!it) {
    pthread_mutex_unlock(&l->mu);
    return;
  }
  it->next = NULL, it->kind = kind, it->len = len;
  memcpy(it->data, data, len);
  if (l->tail) l->tail->next = it;
  else l->head = it;
  l->tail = it;
  l->queued++;
  int wake = !l->notified;
  l->notified = 1;
  pthread_mutex_unlock(&l->mu);
  if (wake) napi_call_threadsafe_function(l->notify, NULL, napi_tsfn_nonblocking);
}

static void closed(link_t *l, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  enqueue(l, KIND_CLOSED, (const uint8_t *)msg, strlen(msg));
}

static void *reader(void *arg) {
  link_t *l = arg;
  uint8_t *buf = malloc(MAX_FRAME + 4), out[86];
  union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; } ctl;
  if (!buf) return NULL;
  for (;;) {
    struct pollfd p[2] = {{.fd = l->fd, .events = POLLIN}, {.fd = l->wake, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      closed(l, "poll", errno);
      break;
    }
    if (p[1].revents) break;
    for (;;) {
      // Room for a VLAN tag put back in front of the EtherType.
      struct iovec iov = {.iov_base = buf + 4, .iov_len = MAX_FRAME};
      struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl};
      ssize_t n = recvmsg(l->fd, &m, MSG_DONTWAIT | MSG_TRUNC);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        closed(l, "receiving", errno);
        goto done;
      }
      size_t len = (size_t)n > MAX_FRAME ? MAX_FRAME : (size_t)n;
      const struct tpacket_auxdata *aux = NULL;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) aux = (const void *)CMSG_DATA(c);
      uint8_t *f = buf + 4;
      if (aux && (aux->tp_status & TP_STATUS_VLAN_VALID) && len >= 12) {
        // The kernel took the outer tag off; JavaScript sees the frame as it was on the wire.
        uint16_t tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux->tp_vlan_tpid : 0x8100;
        memmove(buf, f, 12);
        f = buf;
        f[12] = (uint8_t)(tpid >> 8), f[13] = (uint8_t)tpid;
        f[14] = (uint8_t)(aux->tp_vlan_tci >> 8), f[15] = (uint8_t)aux->tp_vlan_tci;
        len += 4;
      } else if (atomic_load(&l->lease_until_ns) > 0) {
        const uint8_t *ip = NULL;
        size_t iplen = 0, r;
        pthread_mutex_lock(&l->mu);
        r = reply(&l->t, f, len, out, &ip, &iplen);
        pthread_mutex_unlock(&l->mu);
        if (r) {
          // Lease lapsed: the speaker is stalled and a peer may answer now; a late answer would contradict it.
          if (now_ns() < atomic_load(&l->lease_until_ns)) {
            if (send(l->fd, out, r, MSG_DONTWAIT) == (ssize_t)r) enqueue(l, KIND_ANSWERED, ip, iplen);
          }
          continue;
        }
      }
      enqueue(l, KIND_FRAME, f, len);
    }
  }
done:
  free(buf);
  return NULL;
}

// ARP, and ICMPv6 NS/NA (no extension headers), each also behind one 802.1Q/802.1ad tag left in the frame.
static struct sock_filter FILTER[] = {
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 8, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x88a8, 7, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 14, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 14),
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 20),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 12),
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 54),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 9, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 8, 9),
  // tagged: the same checks four bytes further on
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 16),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 6, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 6),
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 24),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 4),
  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 58),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 1, 0),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, MAX_FRAME),
  BPF_STMT(BPF_RET | BPF_K, 0),
};

// ---- JavaScript bindings --------------------------------------------------------------------------

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value e, text, code;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, err == EPERM ? "EPERM" : err == ENODEV ? "ENODEV" : "ESYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &e);
  napi_throw(env, e);
  return NULL;
}

static void stop(link_t *l) {
  if (l->closed) return;
  l->closed = 1;
  if (l->running) {
    uint64_t one = 1;
    if (write(l->wake, &one, sizeof one) < 0) perror("packetlink: waking the reader");
    pthread_join(l->thread, NULL);
    l->running = 0;
  }
  close(l->fd);
  close(l->wake);
  napi_release_threadsafe_function(l->notify, napi_tsfn_abort);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  link_t *l = data;
  stop(l);
  for (item *it = l->head, *next; it; it = next) next = it->next, free(it);
  free(l->t.v4), free(l->t.v6);
  pthread_mutex_destroy(&l->mu);
  free(l);
}

static void call_notify(napi_env env, napi_value fn, void *ctx, void *data) {
  (void)ctx, (void)data;
  if (!env || !fn) return;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_call_function(env, undef, fn, 0, NULL, NULL);
}

static link_t *arg_link(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) napi_throw_type_error(env, NULL, "not a link");
  return p;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ifname[IF_NAMESIZE];
  size_t len;
  CHECK(napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &len));
  unsigned index = if_nametoindex(ifname);
  if (!index) return throw_errno(env, ifname, errno);
  // No protocol until the filter is on: nothing unfiltered is queued before bind.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  struct sock_fprog prog = {.len = sizeof FILTER / sizeof FILTER[0], .filter = FILTER};
  int on = 1;
  struct packet_mreq allmulti = {.mr_ifindex = (int)index, .mr_type = PACKET_MR_ALLMULTI};
  struct sockaddr_ll at = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)index};
  const char *step = NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) step = "attaching the filter";
  else if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof on) < 0) step = "PACKET_AUXDATA";
  // Solicited-node groups are multicast: all of it reaches the filter, as it would reach a promiscuous capture.
  else if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &allmulti, sizeof allmulti) < 0) step = "PACKET_MR_ALLMULTI";
  else if (bind(fd, (struct sockaddr *)&at, sizeof at) < 0) step = "bind";
  if (step) {
    int err = errno;
    close(fd);
    return throw_errno(env, step, err);
  }
  // Our own frames (older kernels lack the option: respond() drops them by source address).
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on, sizeof on);
  link_t *l = calloc(1, sizeof *l);
  if (!l) {
    close(fd);
    return throw_errno(env, "open", ENOMEM);
  }
  l->fd = fd;
  l->wake = eventfd(0, EFD_CLOEXEC);
  if (l->wake < 0) {
    int err = errno;
    close(fd);
    free(l);
    return throw_errno(env, "eventfd", err);
  }
  pthread_mutex_init(&l->mu, NULL);
  CHECK(napi_create_string_utf8(env, "packetlink", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_notify, &l->notify));
  CHECK(napi_unref_threadsafe_function(env, l->notify));
  if (pthread_create(&l->thread, NULL, reader, l) != 0) {
    int err = errno;
    l->running = 0;
    stop(l);
    free(l);
    return throw_errno(env, "starting the reader", err);
  }
  l->running = 1;
  CHECK(napi_create_external(env, l, finalize, NULL, &out));
  return out;
}

// Copies a Buffer argument into a fresh allocation; *n is its length.
static uint8_t *copy_bytes(napi_env env, napi_value v, size_t *n) {
  void *data;
  if (napi_get_buffer_info(env, v, &data, n) != napi_ok) return NULL;
  uint8_t *out = malloc(*n ? *n : 1);
  if (out) memcpy(out, data, *n);
  return out;
}

static int read_table(napi_env env, napi_value *argv, table *t) {
  size_t macLen, n4, n6;
  uint8_t *mac = copy_bytes(env, argv[0], &macLen);
  t->v4 = copy_bytes(env, argv[1], &n4);
  t->v6 = copy_bytes(env, argv[2], &n6);
  if (!mac || !t->v4 || !t->v6 || macLen != 6 || n4 % 4 || n6 % 16) {
    free(mac), free(t->v4), free(t->v6);
    napi_throw_type_error(env, NULL, "answer: mac must be 6 bytes, v4 a multiple of 4, v6 of 16");
    return 0;
  }
  memcpy(t->mac, mac, 6);
  free(mac);
  t->n4 = n4 / 4, t->n6 = n6 / 16;
  return 1;
}

static napi_value js_answer(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  link_t *l = arg_link(env, argv[0]);
  table t;
  if (!l || !read_table(env, argv + 1, &t)) return NULL;
  pthread_mutex_lock(&l->mu);
  table old = l->t;
  l->t = t;
  pthread_mutex_unlock(&l->mu);
  free(old.v4), free(old.v6);
  return NULL;
}

static napi_value js_renew(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  link_t *l = arg_link(env, argv[0]);
  double ms = 0;
  if (!l) return NULL;
  CHECK(napi_get_value_double(env, argv[1], &ms));
  atomic_store(&l->lease_until_ns, now_ns() + (int64_t)(ms * 1e6));
  return NULL;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  link_t *l = arg_link(env, argv[0]);
  void *data;
  size_t len;
  if (!l) return NULL;
  if (l->closed) return throw_errno(env, "send", EBADF);
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  if (send(l->fd, data, len, MSG_DONTWAIT) < 0) return throw_errno(env, "send", errno);
  return NULL;
}

static napi_value js_take(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], list;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  link_t *l = arg_link(env, argv[0]);
  if (!l) return NULL;
  pthread_mutex_lock(&l->mu);
  item *it = l->head;
  l->head = l->tail = NULL;
  l->queued = 0;
  l->notified = 0;
  pthread_mutex_unlock(&l->mu);
  CHECK(napi_create_array(env, &list));
  for (uint32_t i = 0; it; i++) {
    napi_value pair, kind, bytes;
    item *next = it->next;
    CHECK(napi_create_array_with_length(env, 2, &pair));
    CHECK(napi_create_int32(env, it->kind, &kind));
    if (it->kind == KIND_CLOSED) CHECK(napi_create_string_utf8(env, (const char *)it->data, it->len, &bytes));
    else CHECK(napi_create_buffer_copy(env, it->len, it->data, NULL, &bytes));
    CHECK(napi_set_element(env, pair, 0, kind));
    CHECK(napi_set_element(env, pair, 1, bytes));
    CHECK(napi_set_element(env, list, i, pair));
    free(it);
    it = next;
  }
  return list;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  link_t *l = arg_link(env, argv[0]);
  if (l) stop(l);
  return NULL;
}

static napi_value js_reply(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  table t;
  if (!read_table(env, argv, &t)) return NULL;
  void *frame;
  size_t len, r;
  uint8_t reply_buf[86];
  const uint8_t *ip;
  size_t iplen;
  if (napi_get_buffer_info(env, argv[3], &frame, &len) != napi_ok) r = 0;
  else r = reply(&t, frame, len, reply_buf, &ip, &iplen);
  free(t.v4), free(t.v6);
  if (r) CHECK(napi_create_buffer_copy(env, r, reply_buf, NULL, &out));
  else CHECK(napi_get_null(env, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"answer", NULL, js_answer, NULL, NULL, NULL, napi_default, NULL},
    {"renew", NULL, js_renew, NULL, NULL, NULL, napi_default, NULL},
    {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
    {"take", NULL, js_take, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
    {"reply", NULL, js_reply, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof d / sizeof d[0], d));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
