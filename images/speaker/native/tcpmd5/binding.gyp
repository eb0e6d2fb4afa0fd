{
  "targets": [
    { "target_name": "tcpmd5", "sources": ["tcpmd5.c"], "cflags": ["-Wall", "-Wextra", "-O2"] }
  ]
}
