// SPDX-License-Identifier: Apache-2.0
// TCP-MD5 signatures (RFC 2385) and TTL options for BGP and BFD sockets, which Node's net and dgram modules cannot set.
//   socket(family) -> fd                 a TCP socket to hand to net.Socket({ fd }) before connect
//   setMd5(fd, peerAddress, key)         key for one peer (empty key removes it); listening sockets too
//   setInt(fd, level, name, value)       integer socket options (IP_TTL, IP_MINTTL, IPV6_UNICAST_HOPS, ...)
//   filterMinTtl(fd, family, min)        drops datagrams whose IP TTL (IPv6 hop limit) is below min; IP_MINTTL is TCP-only
//   close(fd)                            for a socket that never reached net.Socket
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value throw_errno(napi_env env, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_value err, text, code;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_string_utf8(env, errno == ENOENT ? "ENOENT" : errno == EINVAL ? "EINVAL" : errno == EPERM ? "EPERM" : "ESYSCALL", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, text, &err);
  napi_throw(env, err);
  return NULL;
}

static int32_t arg_int(napi_env env, napi_value v) {
  int32_t n = -1;
  napi_get_value_int32(env, v, &n);
  return n;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int family = arg_int(env, argv[0]) == 6 ? AF_INET6 : AF_INET;
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket");
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

static napi_value js_set_md5(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = arg_int(env, argv[0]);
  char addr[64] = {0};
  size_t alen = 0;
  CHECK(napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &alen));
  void *key = NULL;
  size_t klen = 0;
  CHECK(napi_get_buffer_info(env, argv[2], &key, &klen));
  if (klen > TCP_MD5SIG_MAXKEYLEN) {
    napi_throw_range_error(env, NULL, "TCP-MD5 key longer than 80 bytes");
    return NULL;
  }
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof sig);
  struct sockaddr_in *sin = (struct sockaddr_in *)&sig.tcpm_addr;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sig.tcpm_addr;
  struct sockaddr_storage self;
  socklen_t slen = sizeof self;
  int v6sock = getsockname(fd, (struct sockaddr *)&self, &slen) == 0 && self.ss_family == AF_INET6;
  struct in_addr v4;
  if (inet_pton(AF_INET, addr, &v4) == 1 && v6sock) {
    // A dual-stack (IPv6) socket sees IPv4 peers as ::ffff:a.b.c.d.
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr.s6_addr[10] = 0xff;
    sin6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
  } else if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
  } else {
    napi_throw_type_error(env, NULL, "peer address is not an IP address");
    return NULL;
  }
  sig.tcpm_keylen = (uint16_t)klen;
  memcpy(sig.tcpm_key, key, klen);
  int rc = setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig);
  memset(&sig, 0, sizeof sig);
  // Removing a key that was never set is not an error for the caller.
  if (rc < 0 && !(klen == 0 && errno == ENOENT)) return throw_errno(env, "setsockopt(TCP_MD5SIG)");
  return NULL;
}

static napi_value js_set_int(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int value = arg_int(env, argv[3]);
  if (setsockopt(arg_int(env, argv[0]), arg_int(env, argv[1]), arg_int(env, argv[2]), &value, sizeof value) < 0) return throw_errno(env, "setsockopt");
  return NULL;
}

// A classic BPF socket filter reading the TTL (byte 8 of the IPv4 header) or hop limit (byte 7 of the IPv6 header).
static napi_value js_filter_min_ttl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = arg_int(env, argv[0]);
  int offset = arg_int(env, argv[1]) == 6 ? 7 : 8;
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_NET_OFF + offset)),
    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)arg_int(env, argv[2]), 0, 1),
    BPF_STMT(BPF_RET | BPF_K, 0x40000),
    BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = { sizeof code / sizeof code[0], code };
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)");
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  close(arg_int(env, argv[0]));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL },
    { "setMd5", NULL, js_set_md5, NULL, NULL, NULL, napi_default, NULL },
    { "setInt", NULL, js_set_int, NULL, NULL, NULL, napi_default, NULL },
    { "filterMinTtl", NULL, js_filter_min_ttl, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
